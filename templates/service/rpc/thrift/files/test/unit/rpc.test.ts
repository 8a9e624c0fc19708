import { connect } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { NotFoundError, ValidationError } from "../../src/items/errors.js";
import { DeadlineExceededError, type RpcClient, UnavailableError } from "../../src/rpc/client.js";
import { InternalError, InvalidArgument, NotFound } from "../../src/rpc/definition.js";
import { toRpcFailure } from "../../src/rpc/handlers.js";
import { frameReader, type RpcServer } from "../../src/rpc/server.js";
import { BlockingItemsRepository, InMemoryItemsRepository, rejectionOf, StallingItemsRepository } from "../helpers.js";
import { eventually } from "../retry.js";
import { serve, serveWithCallInFlight, stopWithCallStuck } from "../rpc-harness.js";

// What is specific to Thrift; what every RPC layer does is in rpc-contract.test.ts.

describe("toRpcFailure", () => {
  it("maps service errors to declared exceptions", () => {
    expect(toRpcFailure(new ValidationError("name", "must not be empty"))).toEqual({
      code: "INVALID_ARGUMENT",
      exception: new InvalidArgument({ message: "name must not be empty" }),
    });
    expect(toRpcFailure(new NotFoundError("item x not found"))).toEqual({
      code: "NOT_FOUND",
      exception: new NotFound({ message: "item x not found" }),
    });
  });

  it("hides unexpected errors behind InternalError", () => {
    const internal = { code: "INTERNAL", exception: new InternalError({ message: "internal error" }) };
    expect(toRpcFailure(new Error("password=secret"))).toEqual(internal);
    expect(toRpcFailure("thrown string")).toEqual(internal);
  });
});

describe("frameReader", () => {
  const frame = (payload: string): Buffer => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(Buffer.byteLength(payload));
    return Buffer.concat([size, Buffer.from(payload)]);
  };

  it("reassembles frames split and joined across chunks", () => {
    const stream = Buffer.concat([frame("first"), frame(""), frame("third one")]);
    for (const chunkSize of [1, 3, stream.length]) {
      const frames: string[] = [];
      const receive = frameReader(100, (data) => frames.push(data.toString()));
      for (let at = 0; at < stream.length; at += chunkSize) {
        receive(stream.subarray(at, at + chunkSize));
      }
      expect(frames).toEqual(["first", "", "third one"]);
    }
  });

  it("rejects a frame above the limit", () => {
    const receive = frameReader(4, () => undefined);
    expect(() => {
      receive(frame("12345"));
    }).toThrow("frame of 5 bytes exceeds the limit of 4");
  });
});

describe("Thrift server given bad input", () => {
  let server: RpcServer;
  let client: RpcClient;

  beforeAll(async () => {
    ({ server, client } = await serve(new InMemoryItemsRepository()));
    await client.createItem({ name: "a" });
  });

  afterAll(async () => {
    await client.close();
    await server.stop(1_000);
  });

  it.each([
    ["an oversized frame", [0x7f, 0xff, 0xff, 0xff, 1, 2, 3]],
    ["a frame that is not a Thrift message", [0, 0, 0, 4, 0x80, 0x02, 0, 1]],
  ])("survives %s and keeps serving", async (_, bytes) => {
    const socket = connect(server.port, "127.0.0.1");
    const closed = new Promise((resolve) => socket.on("close", resolve));
    socket.on("error", () => undefined);
    socket.end(Buffer.from(bytes));
    await closed;
    expect(await client.listItems({ pageSize: 1 })).toMatchObject({ items: [expect.anything()] });
  });
});

describe("Thrift client", () => {
  it("fails as unavailable when nothing listens", async () => {
    const { server, client } = await serve(new InMemoryItemsRepository());
    await server.stop(1_000);
    expect(await rejectionOf(client.listItems({}))).toBeInstanceOf(UnavailableError);
    await client.close();
  });

  it("gives up after its deadline", async () => {
    const repository = new BlockingItemsRepository();
    const { server, client } = await serve(repository, { deadlineMs: 100 });
    expect(await rejectionOf(client.createItem({ name: "slow" }))).toBeInstanceOf(DeadlineExceededError);
    repository.release();
    await client.close();
    await server.stop(1_000);
  });

  it("closes its connection at a deadline, and the server abandons that call's work", async () => {
    const repository = new StallingItemsRepository();
    const { server, client } = await serve(repository, { deadlineMs: 100 });
    try {
      expect(await rejectionOf(client.createItem({ name: "abandoned" }))).toBeInstanceOf(DeadlineExceededError);
      await eventually(() => Promise.resolve(repository.abandoned === 1));
      expect(repository.items.size).toBe(0);
      expect(await rejectionOf(client.getItem({ id: "x" }))).toBeInstanceOf(InvalidArgument);
    } finally {
      await client.close();
      await server.stop(1_000);
    }
  });

  it("lets calls in flight finish when closed, and refuses new ones", async () => {
    const { server, client, repository, inFlight } = await serveWithCallInFlight("slow");

    const closed = client.close();
    expect(await rejectionOf(client.listItems({}))).toBeInstanceOf(UnavailableError);
    repository.release();
    expect(await inFlight).toMatchObject({ name: "slow" });
    await closed;
    await server.stop(1_000);
  });
});

describe("Thrift server shutdown", () => {
  it("does not serve a new call on an open connection while draining", async () => {
    const { server, client, repository, inFlight } = await serveWithCallInFlight("slow");

    const stopped = server.stop(5_000);
    const lateOnOpen = rejectionOf(client.listItems({}));
    repository.release();
    expect(await inFlight).toMatchObject({ name: "slow" });
    await stopped;
    expect(await lateOnOpen).toBeInstanceOf(UnavailableError);
    await client.close();
  });

  it("cuts calls still running after the timeout", async () => {
    const { error } = await stopWithCallStuck(200);
    expect(error).toBeInstanceOf(UnavailableError);
  });
});
