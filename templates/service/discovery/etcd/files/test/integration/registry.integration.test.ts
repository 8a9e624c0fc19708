import type { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { App } from "../../src/app.js";
import { SERVICE_NAME } from "../../src/config.js";
import { instanceKey } from "../../src/registry/etcd.js";
import { TRANSPORT } from "../../src/rpc/client.js";
import { eventually } from "../retry.js";
import { type IntegrationEnv, integrationTitle, runIntegration, startIntegrationApp } from "./env.js";
import { etcdClient, TEST_KEY_PREFIX } from "./registry-env.js";

describe.skipIf(!runIntegration)(integrationTitle(`${SERVICE_NAME} registration in real etcd`), () => {
  let env: IntegrationEnv;
  let app: App;
  let etcd: Etcd3;
  let key: string;

  beforeAll(async () => {
    ({ env, app } = await startIntegrationApp());
    etcd = etcdClient(env.registryEnv);
    key = instanceKey(SERVICE_NAME, app.instanceId, TEST_KEY_PREFIX);
  });

  afterAll(async () => {
    await app?.stop();
    etcd?.close();
  });

  it("puts its instance key under a lease, below the test run's own prefix", async () => {
    expect(JSON.parse((await etcd.get(key).string()) ?? "null")).toEqual({
      id: app.instanceId,
      host: "127.0.0.1",
      port: app.rpcPort,
      protocol: TRANSPORT.protocol,
    });
    const kv = (await etcd.get(key).exec()).kvs[0];
    expect(kv?.lease ?? "0").not.toBe("0");
    expect(await etcd.get(instanceKey(SERVICE_NAME, app.instanceId)).string()).toBeNull();
  });

  it("registers again after its lease is lost", async () => {
    const before = await etcd.get(key).exec();
    const leaseId = before.kvs[0]?.lease ?? "";
    expect(leaseId).not.toBe("0");
    // Revoking the lease from outside deletes the key, like an etcd outage longer than the TTL.
    await etcd.leaseClient.leaseRevoke({ ID: leaseId });
    expect(await etcd.get(key).string()).toBeNull();
    await eventually(async () => {
      const kv = (await etcd.get(key).exec()).kvs[0];
      return kv !== undefined && kv.lease !== leaseId;
    });
    const ready = await fetch(`http://127.0.0.1:${String(app.httpPort)}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("deletes its key when stopped", async () => {
    await app.stop();
    expect(await etcd.get(key).string()).toBeNull();
  });
});
