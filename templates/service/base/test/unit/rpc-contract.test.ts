import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SERVICE_NAME } from "../../src/config.js";
import { OverloadedError, UnavailableError } from "../../src/items/errors.js";
import { newItemId } from "../../src/items/id.js";
import type { Metrics } from "../../src/metrics.js";
import { createClient, type RpcClient, TRANSPORT } from "../../src/rpc/client.js";
import { connectThroughRegistry, NoInstanceError } from "../../src/rpc/contract.js";
import type { RpcServer } from "../../src/rpc/server.js";
import {
  FailingItemsRepository,
  InMemoryItemsRepository,
  rejectionOf,
  StallingItemsRepository,
  staticRegistry,
} from "../helpers.js";
import { IDL_FIELDS, rpcErrorKind, rpcErrorMessage } from "../rpc-errors.js";
import { serve, serveWithCallInFlight, stopWithCallStuck } from "../rpc-harness.js";

// What every RPC layer must do, through the shared contract only: startRpcServer, createClient,
// and test/rpc-errors.ts. What is specific to a transport is in its own test/unit/rpc.test.ts.

describe("RPC server over an in-memory repository", () => {
  const repository = new InMemoryItemsRepository();
  let metrics: Metrics;
  let server: RpcServer;
  let client: RpcClient;

  beforeAll(async () => {
    ({ metrics, server, client } = await serve(repository));
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
    ["a name that was not UTF-8", (c: RpcClient) => c.createItem({ name: "a\uFFFDb" }), "name must be valid UTF-8"],
    ["a page size of 101", (c: RpcClient) => c.listItems({ pageSize: 101 }), `${IDL_FIELDS.pageSize} must be between`],
    ["a negative page size", (c: RpcClient) => c.listItems({ pageSize: -1 }), `${IDL_FIELDS.pageSize} must be between`],
    ["a bad page token", (c: RpcClient) => c.listItems({ pageToken: "x" }), `${IDL_FIELDS.pageToken} is not a token`],
    [
      "a request id that is not a UUID",
      (c: RpcClient) => c.createItem({ name: "a", requestId: "retry-1" }),
      `${IDL_FIELDS.requestId} must be a UUID`,
    ],
  ])("answers %s with an invalid-argument error", async (_, send, message) => {
    const error = await rejectionOf(send(client));
    expect(rpcErrorKind(error)).toBe("invalid-argument");
    expect(rpcErrorMessage(error)).toContain(message);
  });

  it("creates once per request id: a retry gets the first item back", async () => {
    const requestId = newItemId();
    const first = await client.createItem({ name: "once", requestId });
    const retried = await client.createItem({ name: "once", requestId });
    expect(retried).toStrictEqual(first);
    expect([...repository.items.values()].filter((item) => item.name === "once")).toHaveLength(1);
    const reused = await rejectionOf(client.createItem({ name: "other", requestId }));
    expect(rpcErrorKind(reused)).toBe("invalid-argument");
    expect(rpcErrorMessage(reused)).toContain(`${IDL_FIELDS.requestId} was already used`);
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

describe("RPC server when storage is down or full", () => {
  it.each([
    ["down", () => new UnavailableError("database unavailable; retry with backoff")],
    ["full", () => new OverloadedError("database pool queue is full; retry with backoff")],
  ])("answers storage that is %s with an unavailable error saying to retry", async (_, failure) => {
    const { server, client } = await serve(new FailingItemsRepository(failure));
    try {
      const error = await rejectionOf(client.createItem({ name: "apple" }));
      expect(rpcErrorKind(error)).toBe("unavailable");
      expect(rpcErrorMessage(error)).toContain("retry with backoff");
    } finally {
      await client.close();
      await server.stop(1_000);
    }
  });

  it("abandons a call at the server's time limit: the storage's signal aborts, nothing is stored", async () => {
    const repository = new StallingItemsRepository();
    const { server, client, metrics } = await serve(repository, { deadlineMs: 5_000 }, { requestTimeoutMs: 100 });
    try {
      const started = Date.now();
      await rejectionOf(client.createItem({ name: "stalled" }));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(repository.abandoned).toBe(1);
      expect(repository.items.size).toBe(0);
      expect(await metrics.registry.metrics()).toContain('method="CreateItem",code="DEADLINE_EXCEEDED"');
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

describe("RPC client through the registry", () => {
  it("tries an unavailable call again on the next instance, a create with the same request id", async () => {
    const gone = await serve(new InMemoryItemsRepository());
    await gone.client.close();
    await gone.server.stop(1_000);
    const repository = new InMemoryItemsRepository();
    const live = await serve(repository);
    const instances = [gone, live].map(({ server }, index) => ({
      id: String(index),
      host: "127.0.0.1",
      port: server.port,
      protocol: TRANSPORT.protocol,
    }));
    const client = await connectThroughRegistry(
      staticRegistry(instances),
      (address) => createClient(address, { deadlineMs: 2_000 }),
      SERVICE_NAME,
      TRANSPORT,
    );
    try {
      const created = await Promise.all(["a", "b", "c", "d"].map((name) => client.createItem({ name })));
      expect(created.map((item) => item.name)).toEqual(["a", "b", "c", "d"]);
      expect(repository.items.size).toBe(4);
    } finally {
      await client.close();
      await live.client.close();
      await live.server.stop(1_000);
    }
  });

  it("skips instances that speak another protocol", async () => {
    const other = { id: "x", host: "127.0.0.1", port: 1, protocol: "another-protocol" };
    const client = await connectThroughRegistry(
      staticRegistry([other]),
      (address) => createClient(address),
      SERVICE_NAME,
      TRANSPORT,
    );
    try {
      expect(await rejectionOf(client.getItem({ id: newItemId() }))).toBeInstanceOf(NoInstanceError);
    } finally {
      await client.close();
    }
  });
});
