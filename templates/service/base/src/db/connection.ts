import type { PoolConnection } from "mysql2/promise";

import { OverloadedError, UnavailableError } from "../items/errors.js";
import type { DbPool } from "./pool.js";

// Error codes meaning the database could not be reached or the connection broke: the work did not
// commit (a transaction's connection that breaks is rolled back), so the caller may retry.
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
]);

/** What mysql2 rejects getConnection() with when the pool's wait queue (queueLimit) is full. */
const QUEUE_FULL_MESSAGE = "Queue limit reached.";

/** An outage or a full queue as the service's own error; any other error unchanged. */
export function classifyDbError(error: unknown): unknown {
  if (!(error instanceof Error)) {
    return error;
  }
  if (error.message === QUEUE_FULL_MESSAGE) {
    return new OverloadedError("database pool queue is full; retry with backoff", { cause: error });
  }
  const code: unknown = Reflect.get(error, "code");
  if ((typeof code === "string" && UNAVAILABLE_CODES.has(code)) || Reflect.get(error, "fatal") === true) {
    return new UnavailableError("database unavailable; retry with backoff", { cause: error });
  }
  return error;
}

/**
 * Runs `use` on a pooled connection for as long as `signal` allows. When the signal aborts (the
 * caller's deadline passed, or it cancelled), the wait for a connection is given up, or the
 * connection in use is destroyed: the server rolls back its open transaction and the caller gets
 * the signal's reason. A connection that arrives after its waiter gave up goes straight back.
 */
export async function withConnection<T>(
  pool: DbPool,
  signal: AbortSignal | undefined,
  use: (connection: PoolConnection) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  let connection: PoolConnection;
  try {
    connection = await untilAborted(pool.getConnection(), signal, (late) => {
      late.release();
    });
  } catch (error) {
    throw signal?.aborted === true ? abortReason(signal) : classifyDbError(error);
  }
  const destroy = (): void => {
    connection.destroy();
  };
  signal?.addEventListener("abort", destroy, { once: true });
  try {
    return await untilAborted(use(connection), signal);
  } catch (error) {
    throw signal?.aborted === true ? abortReason(signal) : classifyDbError(error);
  } finally {
    signal?.removeEventListener("abort", destroy);
    if (signal?.aborted !== true) {
      connection.release();
    }
  }
}

/** The promise's outcome, or the signal's reason if it aborts first (then `late` gets the value). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, late?: (value: T) => void): Promise<T> {
  if (signal === undefined) {
    return promise;
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise
      .finally(() => {
        signal.removeEventListener("abort", onAbort);
      })
      .then((value) => {
        if (signal.aborted) {
          late?.(value);
        } else {
          resolve(value);
        }
      }, reject);
  });
}

/** The signal's reason as an Error (callScope aborts with an AbandonedError). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}
