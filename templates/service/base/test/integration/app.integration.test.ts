import { status } from "@grpc/grpc-js";
import type { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startApp, type App } from "../../src/app.js";
import { SERVICE_NAME } from "../../src/config.js";
import { newItemId } from "../../src/items/id.js";
import { EtcdRegistry, instanceKey } from "../../src/registry/etcd.js";
import { connectClient, createClient, type RpcClient } from "../../src/rpc/client.js";
import { rejectionOf, silentLogger } from "../helpers.js";
import {
  etcdClient,
  eventually,
  integrationEnv,
  integrationTitle,
  resetDatabase,
  runIntegration,
  testConfig,
  waitForServers,
  type IntegrationEnv,
} from "./env.js";

describe.skipIf(!runIntegration)(integrationTitle(`${SERVICE_NAME} app against real MySQL and etcd`), () => {
  let env: IntegrationEnv;
  let app: App;
  let client: RpcClient;
  let etcd: Etcd3;
  let key: string;

  beforeAll(async () => {
    env = integrationEnv();
    await waitForServers(env);
    await resetDatabase(env);
    app = await startApp(testConfig(env), { logger: silentLogger });
    client = createClient(`127.0.0.1:${String(app.rpcPort)}`);
    etcd = etcdClient(env);
    key = instanceKey(SERVICE_NAME, app.instanceId);
  });

  afterAll(async () => {
    // beforeAll may have failed half-way: skip what was not created.
    await client?.close();
    await app?.stop();
    etcd?.close();
  });

  it("creates, gets and lists items over gRPC", async () => {
    const created = [];
    for (const name of ["apple", "  banana  ", "cherry"]) {
      created.push(await client.createItem({ name }));
    }
    expect(created.map((item) => item.name)).toEqual(["apple", "banana", "cherry"]);
    for (const item of created) {
      expect(new Date(item.createdAt).toISOString()).toBe(item.createdAt);
      expect(await client.getItem({ id: item.id })).toEqual(item);
    }

    const first = await client.listItems({ pageSize: 2 });
    const second = await client.listItems({ pageSize: 2, pageToken: first.nextPageToken });
    expect(first.items).toHaveLength(2);
    expect(second.items).toHaveLength(1);
    expect(second.nextPageToken).toBe("");
    const byId = [...created].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect([...first.items, ...second.items]).toEqual(byId);
    expect(await client.listItems({})).toEqual({ items: byId, nextPageToken: "" });
  });

  it("answers invalid requests with INVALID_ARGUMENT", async () => {
    const invalid = [
      client.createItem({ name: " " }),
      client.createItem({ name: "x".repeat(201) }),
      client.getItem({ id: "1 OR 1=1" }),
      client.listItems({ pageSize: 1000 }),
      client.listItems({ pageToken: "not-a-token" }),
    ];
    for (const call of invalid) {
      expect(await rejectionOf(call)).toMatchObject({ code: status.INVALID_ARGUMENT });
    }
  });

  it("answers an unknown id with NOT_FOUND", async () => {
    expect(await rejectionOf(client.getItem({ id: newItemId() }))).toMatchObject({ code: status.NOT_FOUND });
  });

  it("is registered in etcd and ready", async () => {
    expect(JSON.parse((await etcd.get(key).string()) ?? "null")).toEqual({
      id: app.instanceId,
      host: "127.0.0.1",
      port: app.rpcPort,
    });
    const ready = await fetch(`http://127.0.0.1:${String(app.httpPort)}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${String(app.httpPort)}/metrics`)).text();
    const service = `service="${SERVICE_NAME}"`;
    expect(metrics).toContain(`rpc_server_requests_total{method="CreateItem",code="OK",${service}} 3`);
    expect(metrics).toMatch(new RegExp(`db_pool_connections\\{state="total",${service}\\} [1-9]`));
  });

  it("can be reached through the registry", async () => {
    const registry = new EtcdRegistry({ endpoints: [env.etcdEndpoints], ttlSeconds: 3, logger: silentLogger });
    const resolving = await connectClient(registry);
    try {
      expect(await registry.resolve(SERVICE_NAME)).toContainEqual({
        id: app.instanceId,
        host: "127.0.0.1",
        port: app.rpcPort,
      });
      const item = await resolving.createItem({ name: "via etcd" });
      expect(await client.getItem({ id: item.id })).toEqual(item);
    } finally {
      await resolving.close();
      await registry.close();
    }
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

  it("leaves etcd and stops serving when stopped", async () => {
    await app.stop();
    expect(await etcd.get(key).string()).toBeNull();
    expect(await rejectionOf(client.listItems({}))).toMatchObject({ code: status.UNAVAILABLE });
  });
});
