import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SERVICE_NAME } from "../../src/config.js";
import { newItemId } from "../../src/items/id.js";
import type { Metrics } from "../../src/metrics.js";
import { createClient, type RpcClient } from "../../src/rpc/client.js";
import type { RpcServer } from "../../src/rpc/server.js";
import { FailingItemsRepository, InMemoryItemsRepository, rejectionOf } from "../helpers.js";
import { rpcErrorKind, rpcErrorMessage } from "../rpc-errors.js";
import { serve, serveWithCallInFlight, stopWithCallStuck } from "../rpc-harness.js";

// What every RPC layer must do, through the shared contract only: startRpcServer, createClient,
// and test/rpc-errors.ts. What is specific to a transport is in its own test/unit/rpc.test.ts.

describe("RPC server over an in-memory repository", () => {
  let metrics: Metrics;
  let server: RpcServer;
  let client: RpcClient;

  beforeAll(async () => {
    ({ metrics, server, client } = await serve(new InMemoryItemsRepository()));
  });

  afterAll(async () => {
    await client.close();
    await server.stop(1_000);
  });

  it("creates, gets and pages through items", async () => {
    const created = [];
    for (const name of ["a", "b", "c"]) {
      created.push(await client.createItem({ name }));
    }
    expect(created[0]?.name).toBe("a");
    // UUIDv7 (MySQL) or v4 (TiDB), lowercase.
    expect(created[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await client.getItem({ id: created[1]?.id ?? "" })).toStrictEqual(created[1]);

    const first = await client.listItems({ pageSize: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextPageToken).not.toBe("");
    const second = await client.listItems({ pageSize: 2, pageToken: first.nextPageToken });
    expect(second.items).toHaveLength(1);
    expect(second.nextPageToken).toBe("");
    expect([...first.items, ...second.items].map((item) => item.id)).toEqual(created.map((item) => item.id).sort());
  });

  it.each([
    ["an empty name", (c: RpcClient) => c.createItem({ name: "" }), "name must not be empty"],
    ["a long name", (c: RpcClient) => c.createItem({ name: "x".repeat(201) }), "name must be at most 200"],
    ["a bad id", (c: RpcClient) => c.getItem({ id: "42" }), "id must be a UUID"],
    ["a page size of 101", (c: RpcClient) => c.listItems({ pageSize: 101 }), "page_size must be between"],
    ["a negative page size", (c: RpcClient) => c.listItems({ pageSize: -1 }), "page_size must be between"],
    ["a bad page token", (c: RpcClient) => c.listItems({ pageToken: "x" }), "page_token is not a token"],
  ])("answers %s with an invalid-argument error", async (_, send, message) => {
    const error = await rejectionOf(send(client));
    expect(rpcErrorKind(error)).toBe("invalid-argument");
    expect(rpcErrorMessage(error)).toContain(message);
  });

  it("answers an unknown id with a not-found error", async () => {
    const id = newItemId();
    const error = await rejectionOf(client.getItem({ id }));
    expect(rpcErrorKind(error)).toBe("not-found");
    expect(rpcErrorMessage(error)).toBe(`item ${id} not found`);
  });

  it("counts requests by method and code", async () => {
    const text = await metrics.registry.metrics();
    const service = `service="${SERVICE_NAME}"`;
    expect(text).toContain(`rpc_server_requests_total{method="CreateItem",code="OK",${service}}`);
    expect(text).toContain(`rpc_server_requests_total{method="GetItem",code="NOT_FOUND",${service}} 1`);
    expect(text).toContain(`rpc_server_requests_total{method="ListItems",code="INVALID_ARGUMENT",${service}} 3`);
    expect(text).toContain("rpc_server_request_duration_seconds_bucket");
  });
});

describe("RPC server when storage fails", () => {
  it("answers an internal error without leaking the cause", async () => {
    const { server, client } = await serve(new FailingItemsRepository());
    try {
      const error = await rejectionOf(client.createItem({ name: "apple" }));
      expect(rpcErrorKind(error)).toBe("internal");
      expect(rpcErrorMessage(error)).toBe("internal error");
    } finally {
      await client.close();
      await server.stop(1_000);
    }
  });
});

describe("RPC server shutdown", () => {
  it("lets in-flight calls finish and refuses new ones", async () => {
    const { server, address, client, repository, inFlight } = await serveWithCallInFlight("slow");

    const stopped = server.stop(5_000);
    const late = createClient(address, { deadlineMs: 1_000 });
    expect(rpcErrorKind(await rejectionOf(late.createItem({ name: "late" })))).toBe("unavailable");
    await late.close();

    repository.release();
    expect(await inFlight).toMatchObject({ name: "slow" });
    await stopped;
    expect(repository.items.size).toBe(1);
    await client.close();
  });

  it("fails calls still running after the timeout", async () => {
    // How they fail is the transport's own (see test/unit/rpc.test.ts).
    const { elapsedMs } = await stopWithCallStuck(200);
    expect(elapsedMs).toBeGreaterThanOrEqual(190);
  });
});
