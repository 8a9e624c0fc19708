import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import { SERVICE_NAME } from "./config.js";

const POOL_STATES = ["total", "idle", "in_use", "waiting"] as const;
export type PoolState = (typeof POOL_STATES)[number];
export type PoolStats = Readonly<Record<PoolState, number>>;

export interface Metrics {
  readonly registry: Registry;
  /** RPCs handled, by method and status code name (OK, INVALID_ARGUMENT, ...). */
  readonly rpcRequests: Counter<"method" | "code">;
  readonly rpcDuration: Histogram<"method" | "code">;
  /** Counts one handled RPC in both: `startedAt` is performance.now() when the call began. */
  recordRpc(method: string, code: string, startedAt: number): void;
  /** Sets the source of the db_pool_connections gauge, sampled on each scrape. */
  observePool(stats: () => PoolStats): void;
  /** Sets the source of the registry_registered gauge (1 while registered), sampled on each scrape. */
  observeRegistration(registered: () => boolean): void;
}

/** One registry per app instance, so tests can run several apps in one process. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: SERVICE_NAME });
  collectDefaultMetrics({ register: registry });

  let poolStats: (() => PoolStats) | undefined;
  new Gauge({
    name: "db_pool_connections",
    help: "Database pool connections by state.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      if (poolStats === undefined) {
        return;
      }
      const current = poolStats();
      for (const state of POOL_STATES) {
        this.set({ state }, current[state]);
      }
    },
  });

  let registration: (() => boolean) | undefined;
  new Gauge({
    name: "registry_registered",
    help: "1 while the instance is registered in the service registry, else 0.",
    registers: [registry],
    collect() {
      if (registration !== undefined) {
        this.set(registration() ? 1 : 0);
      }
    },
  });

  const rpcRequests = new Counter({
    name: "rpc_server_requests_total",
    help: "RPC requests handled, by method and status code.",
    labelNames: ["method", "code"] as const,
    registers: [registry],
  });
  const rpcDuration = new Histogram({
    name: "rpc_server_request_duration_seconds",
    help: "RPC handling time in seconds, by method and status code.",
    labelNames: ["method", "code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // One label object per method and code, made once: recordRpc runs on every call.
  const labelSets = new Map<string, Map<string, { method: string; code: string }>>();
  const labelsOf = (method: string, code: string): { method: string; code: string } => {
    let byCode = labelSets.get(method);
    if (byCode === undefined) {
      byCode = new Map();
      labelSets.set(method, byCode);
    }
    let labels = byCode.get(code);
    if (labels === undefined) {
      labels = { method, code };
      byCode.set(code, labels);
    }
    return labels;
  };

  return {
    registry,
    rpcRequests,
    rpcDuration,
    recordRpc(method, code, startedAt) {
      const labels = labelsOf(method, code);
      rpcRequests.inc(labels);
      rpcDuration.observe(labels, (performance.now() - startedAt) / 1000);
    },
    observePool(stats) {
      poolStats = stats;
    },
    observeRegistration(registered) {
      registration = registered;
    },
  };
}
