import { createPool, type Pool } from "mysql2/promise";

import type { PoolStats } from "../metrics.js";

export type DbPool = Pool;

export interface DbPoolOptions {
  /** mysql://user:password@host:port/database */
  readonly url: string;
  readonly connectionLimit: number;
}

export function createDbPool(options: DbPoolOptions): DbPool {
  return createPool({
    uri: options.url,
    connectionLimit: options.connectionLimit,
    maxIdle: options.connectionLimit,
    idleTimeout: 60_000,
    waitForConnections: true,
    enableKeepAlive: true,
    connectTimeout: 10_000,
    // DATETIME values are written and read as UTC.
    timezone: "Z",
  });
}

/** true when the database answers within timeoutMs. */
export async function pingDb(pool: DbPool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error("database ping timed out"));
    }, timeoutMs);
  });
  try {
    await Promise.race([pool.query("SELECT 1"), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
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

function lengthOf(target: object, field: string): number {
  const value: unknown = Reflect.get(target, field);
  return typeof value === "object" && value !== null && "length" in value && typeof value.length === "number"
    ? value.length
    : 0;
}
