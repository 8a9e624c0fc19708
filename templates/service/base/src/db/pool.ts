import { createPool, type Pool } from "mysql2/promise";

import type { PoolStats } from "../metrics.js";
import { withTimeout } from "../timeout.js";

export type DbPool = Pool;

export interface DbPoolOptions {
  /** mysql://user:password@host:port/database */
  readonly url: string;
  readonly connectionLimit: number;
  /** Calls that may wait for a connection; one more is refused at once (OverloadedError). */
  readonly queueLimit: number;
}

export function createDbPool(options: DbPoolOptions): DbPool {
  return createPool({
    uri: options.url,
    connectionLimit: options.connectionLimit,
    maxIdle: options.connectionLimit,
    idleTimeout: 60_000,
    waitForConnections: true,
    queueLimit: options.queueLimit,
    enableKeepAlive: true,
    connectTimeout: 10_000,
    // DATETIME values are written and read as UTC.
    timezone: "Z",
  });
}

/**
 * A readiness check of the database: true when it answers `SELECT 1` within timeoutMs. Checks
 * asked for while one is running share its answer, so probes add at most one waiter to the pool.
 */
export function databaseProbe(pool: DbPool, timeoutMs = 2_000): () => Promise<boolean> {
  let running: Promise<boolean> | undefined;
  const ping = async (): Promise<boolean> => {
    try {
      await withTimeout(pool.query("SELECT 1"), timeoutMs, "the database");
      return true;
    } catch {
      return false;
    } finally {
      running = undefined;
    }
  };
  return () => (running ??= ping());
}

/**
 * Closes the pool: waits up to timeoutMs for its connections to end cleanly (a hung database
 * never answers), then destroys them. Resolves true when it had to force.
 */
export async function closeDbPool(pool: DbPool, timeoutMs: number): Promise<boolean> {
  try {
    await withTimeout(pool.end(), timeoutMs, "closing the database pool");
    return false;
  } catch {
    for (const connection of connectionsOf(pool)) {
      connection.destroy();
    }
    return true;
  }
}

/**
 * Connection counts for the metrics gauge. mysql2 has no public pool
 * statistics, so this reads its internal queues and reports 0 if they move.
 */
export function poolStats(pool: DbPool): PoolStats {
  const total = lengthOf(pool.pool, "_allConnections");
  const idle = lengthOf(pool.pool, "_freeConnections");
  return {
    total,
    idle,
    in_use: Math.max(0, total - idle),
    waiting: lengthOf(pool.pool, "_connectionQueue"),
  };
}

/** The pool's connections, for closing them by force (read like poolStats: internal, may move). */
function connectionsOf(pool: DbPool): { destroy(): void }[] {
  // A Denque queue: toArray() copies it.
  const all: unknown = Reflect.get(pool.pool, "_allConnections");
  const hasToArray = typeof all === "object" && all !== null && "toArray" in all && typeof all.toArray === "function";
  const list: unknown = hasToArray ? Reflect.apply(all.toArray as () => unknown, all, []) : [];
  return (Array.isArray(list) ? (list as unknown[]) : []).filter(
    (connection): connection is { destroy(): void } =>
      typeof connection === "object" &&
      connection !== null &&
      "destroy" in connection &&
      typeof connection.destroy === "function",
  );
}

function lengthOf(target: object, field: string): number {
  const value: unknown = Reflect.get(target, field);
  return typeof value === "object" && value !== null && "length" in value && typeof value.length === "number"
    ? value.length
    : 0;
}
