import type { PoolConnection } from "mysql2/promise";
import { describe, expect, it, vi } from "vitest";

import { withConnection } from "../../src/db/connection.js";
import type { DbPool } from "../../src/db/pool.js";
import { AbandonedError, UnavailableError } from "../../src/items/errors.js";
import { callScope } from "../../src/rpc/call-scope.js";

function reasonOf(signal: AbortSignal): unknown {
  return signal.reason;
}

describe("callScope", () => {
  it("aborts at the caller's deadline", async () => {
    const scope = callScope(Date.now() + 20, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reasonOf(scope.signal)).toEqual(new AbandonedError("deadline"));
    expect((reasonOf(scope.signal) as AbandonedError).reason).toBe("deadline");
  });

  it("aborts at the server's own limit when the caller sets none", async () => {
    const scope = callScope(Number.POSITIVE_INFINITY, 20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((reasonOf(scope.signal) as AbandonedError).reason).toBe("deadline");
  });

  it("aborts as cancelled when the caller goes before its deadline", () => {
    const scope = callScope(Date.now() + 60_000, 60_000);
    scope.cancel();
    expect((reasonOf(scope.signal) as AbandonedError).reason).toBe("cancelled");
  });

  it("is aborted from the start when the deadline has already passed", () => {
    expect(callScope(Date.now() - 1, 60_000).signal.aborted).toBe(true);
  });

  it("ignores a cancel after the call has ended (grpc-js emits one after every call)", async () => {
    const scope = callScope(Date.now() + 20, 60_000);
    scope.end();
    scope.cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(scope.signal.aborted).toBe(false);
  });
});

/** A pool whose one connection arrives when the test says so. */
function fakePool() {
  const connection = { release: vi.fn(), destroy: vi.fn() };
  let arrive: (value: PoolConnection) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const pool = {
    getConnection: () =>
      new Promise<PoolConnection>((resolve, reject) => {
        arrive = resolve;
        fail = reject;
      }),
  } as unknown as DbPool;
  return {
    pool,
    connection,
    arrive: () => {
      arrive(connection as unknown as PoolConnection);
    },
    fail: (error: unknown) => {
      fail(error);
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("withConnection", () => {
  it("returns the work's result and releases the connection once", async () => {
    const fake = fakePool();
    const controller = new AbortController();
    const result = withConnection(fake.pool, controller.signal, () => Promise.resolve("done"));
    fake.arrive();
    await expect(result).resolves.toBe("done");
    controller.abort(new AbandonedError("cancelled"));
    expect(fake.connection.release).toHaveBeenCalledTimes(1);
    expect(fake.connection.destroy).not.toHaveBeenCalled();
  });

  it("works without a signal", async () => {
    const fake = fakePool();
    const result = withConnection(fake.pool, undefined, () => Promise.resolve(7));
    fake.arrive();
    await expect(result).resolves.toBe(7);
    expect(fake.connection.release).toHaveBeenCalledTimes(1);
  });

  it("gives up the wait on abort and hands a late connection straight back", async () => {
    const fake = fakePool();
    const controller = new AbortController();
    const use = vi.fn(() => Promise.resolve("never"));
    const result = withConnection(fake.pool, controller.signal, use);
    controller.abort(new AbandonedError("deadline"));
    await expect(result).rejects.toEqual(new AbandonedError("deadline"));
    fake.arrive();
    await tick();
    expect(use).not.toHaveBeenCalled();
    expect(fake.connection.release).toHaveBeenCalledTimes(1);
    expect(fake.connection.destroy).not.toHaveBeenCalled();
  });

  it("destroys the connection in use on abort, and answers with the abort's reason", async () => {
    const fake = fakePool();
    const controller = new AbortController();
    let finishWork: (value: string) => void = () => undefined;
    const result = withConnection(
      fake.pool,
      controller.signal,
      () =>
        new Promise<string>((resolve) => {
          finishWork = resolve;
        }),
    );
    fake.arrive();
    await tick();
    controller.abort(new AbandonedError("cancelled"));
    await expect(result).rejects.toEqual(new AbandonedError("cancelled"));
    finishWork("too late");
    await tick();
    expect(fake.connection.destroy).toHaveBeenCalledTimes(1);
    expect(fake.connection.release).not.toHaveBeenCalled();
  });

  it("refuses at once when the signal has already aborted", async () => {
    const fake = fakePool();
    const getConnection = vi.spyOn(fake.pool, "getConnection");
    await expect(
      withConnection(fake.pool, AbortSignal.abort(new AbandonedError("deadline")), () => Promise.resolve(1)),
    ).rejects.toEqual(new AbandonedError("deadline"));
    expect(getConnection).not.toHaveBeenCalled();
  });

  it("answers a broken connection as UnavailableError and still releases it", async () => {
    const fake = fakePool();
    const lost = Object.assign(new Error("Connection lost"), { code: "PROTOCOL_CONNECTION_LOST" });
    const result = withConnection(fake.pool, new AbortController().signal, () => Promise.reject(lost));
    fake.arrive();
    await expect(result).rejects.toBeInstanceOf(UnavailableError);
    expect(fake.connection.release).toHaveBeenCalledTimes(1);
  });

  it("answers an unreachable database as UnavailableError", async () => {
    const fake = fakePool();
    const result = withConnection(fake.pool, undefined, () => Promise.resolve(1));
    fake.fail(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    await expect(result).rejects.toBeInstanceOf(UnavailableError);
  });
});
