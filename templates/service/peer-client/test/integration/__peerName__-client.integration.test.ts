import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import * as <%= peer.propertyName %> from "../../src/clients/<%= peer.name %>.js";
import { ItemsService } from "../../src/items/items-service.js";
import { createMetrics } from "../../src/metrics.js";
import { createRegistry } from "../../src/registry/factory.js";
import type { Registry } from "../../src/registry/registry.js";
import { type RpcServer, startRpcServer } from "../../src/rpc/server.js";
import { InMemoryItemsRepository, silentLogger } from "../helpers.js";
import { eventually } from "../retry.js";
import { integrationEnv, integrationTitle, runIntegration, testConfig } from "./env.js";
import { waitForRegistry } from "./registry-env.js";

// An instance of <%= peer.name %> as its IDL defines it (served here over in-memory items), announced in
// the real registry: the typed client finds it there and calls it.
const title = integrationTitle(`the ${<%= peer.propertyName %>.SERVICE} client, through the real registry`);

describe.skipIf(!runIntegration)(title, () => {
  let server: RpcServer;
  let announcer: Registry;
  let lookup: Registry;

  beforeAll(async () => {
    const env = integrationEnv();
    // Under the 60 s hook timeout: a registry that never answers is reported with its last error.
    await waitForRegistry(env.registryEnv, 45_000);
    const registry = () => createRegistry(testConfig(env).registry, { ttlSeconds: 3, logger: silentLogger });
    const items = new ItemsService(new InMemoryItemsRepository());
    const options = { port: 0, host: "127.0.0.1", items, metrics: createMetrics(), logger: silentLogger };
    server = await startRpcServer(options, <%= peer.propertyName %>.definition());
    announcer = registry();
    const id = `${<%= peer.propertyName %>.SERVICE}-${randomUUID()}`;
    await announcer.register(<%= peer.propertyName %>.SERVICE, { id, host: "127.0.0.1", port: server.port });
    lookup = registry();
    await eventually(async () => (await lookup.resolve(<%= peer.propertyName %>.SERVICE)).length > 0);
  });

  afterAll(async () => {
    // beforeAll may have failed half-way: skip what was not created.
    await lookup?.close();
    await announcer?.close();
    await server?.stop(1_000);
  });

  it("creates and gets an item on the instance the registry names", async () => {
    const client = await <%= peer.propertyName %>.connect(lookup);
    try {
      const created = await client.createItem({ name: "from <%= service.name %>" });
      expect(created.name).toBe("from <%= service.name %>");
      expect(await client.getItem({ id: created.id })).toEqual(created);
    } finally {
      await client.close();
    }
  });
});
