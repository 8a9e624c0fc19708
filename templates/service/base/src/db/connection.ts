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
export function withConnection<T>(
  pool: DbPool,
  signal: AbortSignal | undefined,
  use: (connection: PoolConnection) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(asError(signal.reason));
      return;
    }
    let connection: PoolConnection | undefined;
    // One listener for the whole call (every RPC passes through here, so it is kept cheap).
    const onAbort = (): void => {
      connection?.destroy();
      reject(asError(signal?.reason));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    // After an abort the caller already has its answer, and the connection, if any, is destroyed.
    const settle = (outcome: () => void): void => {
      if (signal?.aborted === true) {
        return;
      }
      signal?.removeEventListener("abort", onAbort);
      connection?.release();
      outcome();
    };
    pool.getConnection().then(
      (arrived) => {
        if (signal?.aborted === true) {
          arrived.release();
          return;
        }
        connection = arrived;
        use(arrived).then(
          (value) => {
            settle(() => {
              resolve(value);
            });
          },
          (error: unknown) => {
            settle(() => {
              reject(asError(classifyDbError(error)));
            });
          },
        );
      },
      (error: unknown) => {
        settle(() => {
          reject(asError(classifyDbError(error)));
        });
      },
    );
  });
}

/** A rejection reason as an Error (callScope's signals abort with an AbandonedError). */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
