import { setTimeout as sleep } from "node:timers/promises";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { App } from "../../src/app.js";
import { SERVICE_NAME } from "../../src/config.js";
import { checkId, kvConfigPrefix } from "../../src/registry/consul.js";
import type { ConsulHttp } from "../../src/registry/consul-http.js";
import { createRegistry } from "../../src/registry/factory.js";
import { silentLogger } from "../helpers.js";
import { eventually } from "../retry.js";
import { type IntegrationEnv, integrationTitle, runIntegration, startIntegrationApp, testConfig } from "./env.js";
import { consulClient, TEST_SERVICE_PREFIX } from "./registry-env.js";

/** The service's name in the catalog and in KV during this run; the registry adds the prefix itself. */
const CATALOG_NAME = `${TEST_SERVICE_PREFIX}${SERVICE_NAME}`;

interface AgentService {
  ID: string;
  Service: string;
  Tags: string[] | null;
  Meta: Record<string, string> | null;
  Address: string;
  Port: number;
}

interface AgentCheck {
  CheckID: string;
  Status: string;
  ServiceID: string;
}

describe.skipIf(!runIntegration)(integrationTitle(`${SERVICE_NAME} registration in Consul`), () => {
  let env: IntegrationEnv;
  let app: App;
  let consul: ConsulHttp;

  beforeAll(async () => {
    ({ env, app } = await startIntegrationApp());
    consul = consulClient(env.registryEnv);
  });

  afterAll(async () => {
    await app?.stop();
    await consul?.delete(`/v1/kv/${kvConfigPrefix(CATALOG_NAME)}`, { query: { recurse: "true" } });
  });

  const json = async <T>(path: string, query: Record<string, string> = {}): Promise<T> =>
    JSON.parse((await consul.get(path, { query })).text) as T;
  const services = () => json<Record<string, AgentService>>("/v1/agent/services");
  const checks = () => json<Record<string, AgentCheck>>("/v1/agent/checks");
  const passingIds = async (name = CATALOG_NAME) => {
    const entries = await json<{ Service: { ID: string } }[]>(`/v1/health/service/${name}`, { passing: "true" });
    return entries.map((entry) => entry.Service.ID);
  };
  const registry = () => createRegistry(testConfig(env).registry, { ttlSeconds: 3, logger: silentLogger });

  it("registers its instance with a TTL check that it keeps passing, under the test run's name", async () => {
    expect((await services())[app.instanceId]).toMatchObject({
      ID: app.instanceId,
      Service: CATALOG_NAME,
      Address: "127.0.0.1",
      Port: app.rpcPort,
    });
    // The test TTL is 3 s: still passing after longer than that.
    await sleep(3_500);
    expect((await checks())[checkId(app.instanceId)]).toMatchObject({ Status: "passing", ServiceID: app.instanceId });
    expect(await passingIds()).toContain(app.instanceId);
    expect(await passingIds(SERVICE_NAME)).not.toContain(app.instanceId);
  });

  it("resolves and watches only instances whose checks pass", async () => {
    const probe = `${app.instanceId}-probe`;
    const lookup = registry();
    const watch = await lookup.watch(SERVICE_NAME);
    const watched = () => watch.instances().some((instance) => instance.id === probe);
    try {
      // A TTL check starts critical unless told otherwise: registered, but not resolved.
      await consul.put("/v1/agent/service/register", {
        body: { ID: probe, Name: CATALOG_NAME, Address: "127.0.0.1", Port: 1, Check: { CheckID: probe, TTL: "60s" } },
      });
      expect((await lookup.resolve(SERVICE_NAME)).map((instance) => instance.id)).not.toContain(probe);
      await consul.put(`/v1/agent/check/pass/${probe}`);
      // The agent syncs the catalog, which resolve() reads, right after it answers.
      await eventually(async () => (await lookup.resolve(SERVICE_NAME)).some((instance) => instance.id === probe));
      expect(await lookup.resolve(SERVICE_NAME)).toContainEqual({ id: probe, host: "127.0.0.1", port: 1 });
      await eventually(() => Promise.resolve(watched()));
      await consul.put(`/v1/agent/check/fail/${probe}`);
      await eventually(() => Promise.resolve(!watched()));
      expect(watch.instances().map((instance) => instance.id)).toContain(app.instanceId);
    } finally {
      await consul.put(`/v1/agent/service/deregister/${probe}`, { accept: [404] });
      await watch.close();
      await lookup.close();
    }
  });

  it("takes its tags and metadata from Consul KV when it registers", async () => {
    const prefix = kvConfigPrefix(CATALOG_NAME);
    await consul.put(`/v1/kv/${prefix}tags`, { text: "canary, v2" });
    await consul.put(`/v1/kv/${prefix}meta/team`, { text: "blue" });
    const probe = `${app.instanceId}-kv`;
    const other = registry();
    try {
      await other.register(SERVICE_NAME, { id: probe, host: "127.0.0.1", port: 2 });
      expect((await services())[probe]).toMatchObject({ Tags: ["canary", "v2"], Meta: { team: "blue" } });
    } finally {
      await other.close();
      await consul.delete(`/v1/kv/${prefix}`, { query: { recurse: "true" } });
    }
    expect((await services())[probe]).toBeUndefined();
  });

  it("registers again after the agent forgets it (as after an agent restart)", async () => {
    // An agent restarted without its data dir no longer knows the service: its next TTL update
    // answers 404 and the service registers again.
    await consul.put(`/v1/agent/service/deregister/${app.instanceId}`);
    expect((await services())[app.instanceId]).toBeUndefined();
    await eventually(async () => (await passingIds()).includes(app.instanceId));
    expect((await services())[app.instanceId]).toMatchObject({ Port: app.rpcPort });
    const ready = await fetch(`http://127.0.0.1:${String(app.httpPort)}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("deregisters when stopped", async () => {
    await app.stop();
    expect((await services())[app.instanceId]).toBeUndefined();
    expect((await checks())[checkId(app.instanceId)]).toBeUndefined();
    expect(await passingIds()).not.toContain(app.instanceId);
  });
});
