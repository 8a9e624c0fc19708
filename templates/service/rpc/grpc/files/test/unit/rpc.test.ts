import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { NotFoundError, ValidationError } from "../../src/items/errors.js";
import { newItemId } from "../../src/items/id.js";
import { SERVICE_NAME } from "../../src/config.js";
import { ItemsService } from "../../src/items/items-service.js";
import { createMetrics, type Metrics } from "../../src/metrics.js";
import { createClient, type RpcClient } from "../../src/rpc/client.js";
import { toRpcStatus } from "../../src/rpc/handlers.js";
import { startRpcServer, type RpcServer } from "../../src/rpc/server.js";
import {
  BlockingItemsRepository,
  FailingItemsRepository,
  InMemoryItemsRepository,
  rejectionOf,
  silentLogger,
} from "../helpers.js";

describe("toRpcStatus", () => {
  it("maps service errors to status codes", () => {
    expect(toRpcStatus(new ValidationError("name", "must not be empty"))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "name must not be empty",
    });
    expect(toRpcStatus(new NotFoundError("item x not found"))).toEqual({
      code: status.NOT_FOUND,
      details: "item x not found",
    });
  });

  it("hides unexpected errors behind INTERNAL", () => {
    expect(toRpcStatus(new Error("password=secret"))).toEqual({ code: status.INTERNAL, details: "internal error" });
    expect(toRpcStatus("thrown string")).toEqual({ code: status.INTERNAL, details: "internal error" });
  });
});

/** Starts the real gRPC server on a free port over the given repository. */
async function serve(repository: InMemoryItemsRepository | FailingItemsRepository) {
  const metrics = createMetrics();
  const server = await startRpcServer({
    port: 0,
    host: "127.0.0.1",
    items: new ItemsService(repository),
    metrics,
    logger: silentLogger,
  });
  const client = createClient(`127.0.0.1:${String(server.port)}`);
  return { metrics, server, client };
}

describe("gRPC handlers over an in-memory repository", () => {
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
    expect(created[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await client.getItem({ id: created[1]?.id ?? "" })).toEqual(created[1]);

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
  ])("answers %s with INVALID_ARGUMENT", async (_, send, details) => {
    const error = await rejectionOf(send(client));
    expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(error).toHaveProperty("details", expect.stringContaining(details));
  });

  it("answers an unknown id with NOT_FOUND", async () => {
    const id = newItemId();
    expect(await rejectionOf(client.getItem({ id }))).toMatchObject({
      code: status.NOT_FOUND,
      details: `item ${id} not found`,
    });
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

describe("gRPC handlers when storage fails", () => {
  it("answer INTERNAL without leaking the cause", async () => {
    const { server, client } = await serve(new FailingItemsRepository());
    try {
      const error = await rejectionOf(client.createItem({ name: "apple" }));
      expect(error).toMatchObject({ code: status.INTERNAL, details: "internal error" });
    } finally {
      await client.close();
      await server.stop(1_000);
    }
  });
});

describe("gRPC server shutdown", () => {
  const waitUntil = async (check: () => boolean): Promise<void> => {
    while (!check()) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  it("lets in-flight calls finish and refuses new ones", async () => {
    const repository = new BlockingItemsRepository();
    const { server, client } = await serve(repository);
    const inFlight = client.createItem({ name: "slow" });
    await waitUntil(() => repository.blocked === 1);

    const stopped = server.stop(5_000);
    const late = createClient(`127.0.0.1:${String(server.port)}`, { deadlineMs: 1_000 });
    expect(await rejectionOf(late.createItem({ name: "late" }))).toMatchObject({ code: status.UNAVAILABLE });
    await late.close();

    repository.release();
    expect(await inFlight).toMatchObject({ name: "slow" });
    await stopped;
    await client.close();
  });

  it("cancels calls still running after the timeout", async () => {
    const repository = new BlockingItemsRepository();
    const { server, client } = await serve(repository);
    const inFlight = rejectionOf(client.createItem({ name: "stuck" }));
    await waitUntil(() => repository.blocked === 1);

    const started = Date.now();
    await server.stop(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(await inFlight).toMatchObject({ code: status.CANCELLED });
    repository.release();
    await client.close();
  });
});
