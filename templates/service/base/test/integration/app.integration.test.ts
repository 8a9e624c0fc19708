import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { App } from "../../src/app.js";
import { SERVICE_NAME } from "../../src/config.js";
import { newItemId } from "../../src/items/id.js";
import { createRegistry } from "../../src/registry/factory.js";
import { connectClient, createClient, type RpcClient, TRANSPORT } from "../../src/rpc/client.js";
import { rejectionOf, silentLogger } from "../helpers.js";
import { rpcErrorKind } from "../rpc-errors.js";
import { type IntegrationEnv, integrationTitle, runIntegration, startIntegrationApp, testConfig } from "./env.js";

describe.skipIf(!runIntegration)(integrationTitle(`${SERVICE_NAME} app against its real database and registry`), () => {
  let env: IntegrationEnv;
  let app: App;
  let client: RpcClient;

  beforeAll(async () => {
    ({ env, app } = await startIntegrationApp());
    client = createClient(`127.0.0.1:${String(app.rpcPort)}`);
  });

  afterAll(async () => {
    // beforeAll may have failed half-way: skip what was not created.
    await client?.close();
    await app?.stop();
  });

  const registry = () => createRegistry(testConfig(env).registry, { ttlSeconds: 3, logger: silentLogger });

  it("creates, gets and lists items over RPC", async () => {
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

  it("answers invalid requests with an invalid-argument error", async () => {
    const invalid = [
      client.createItem({ name: " " }),
      client.createItem({ name: "x".repeat(201) }),
      client.getItem({ id: "1 OR 1=1" }),
      client.listItems({ pageSize: 1000 }),
      client.listItems({ pageToken: "not-a-token" }),
    ];
    for (const call of invalid) {
      expect(rpcErrorKind(await rejectionOf(call))).toBe("invalid-argument");
    }
  });

  it("answers an unknown id with a not-found error", async () => {
    expect(rpcErrorKind(await rejectionOf(client.getItem({ id: newItemId() })))).toBe("not-found");
  });

  it("is registered, ready, and counts its calls", async () => {
    const lookup = registry();
    try {
      expect(await lookup.resolve(SERVICE_NAME)).toContainEqual({
        id: app.instanceId,
        host: "127.0.0.1",
        port: app.rpcPort,
        protocol: TRANSPORT.protocol,
      });
    } finally {
      await lookup.close();
    }
    const ready = await fetch(`http://127.0.0.1:${String(app.httpPort)}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${String(app.httpPort)}/metrics`)).text();
    const service = `service="${SERVICE_NAME}"`;
    expect(metrics).toContain(`rpc_server_requests_total{method="CreateItem",code="OK",${service}} 3`);
    expect(metrics).toMatch(new RegExp(`db_pool_connections\\{state="total",${service}\\} [1-9]`));
  });

  it("can be reached through the registry", async () => {
    const lookup = registry();
    const resolving = await connectClient(lookup);
    try {
      const item = await resolving.createItem({ name: "via the registry" });
      expect(await client.getItem({ id: item.id })).toEqual(item);
    } finally {
      await resolving.close();
      await lookup.close();
    }
  });

  it("stores a create once per request id, whatever the retries", async () => {
    const requestId = newItemId();
    const attempts = await Promise.all([1, 2, 3].map(() => client.createItem({ name: "retried", requestId })));
    expect(new Set(attempts.map((item) => item.id)).size).toBe(1);
    const page = await client.listItems({ pageSize: 100 });
    expect(page.items.filter((item) => item.name === "retried")).toHaveLength(1);
  });

  it("leaves the registry and stops serving when stopped", async () => {
    await app.stop();
    const lookup = registry();
    try {
      expect(await lookup.resolve(SERVICE_NAME)).toEqual([]);
    } finally {
      await lookup.close();
    }
    expect(rpcErrorKind(await rejectionOf(client.listItems({})))).toBe("unavailable");
  });
});
