import { randomUUID } from "node:crypto";

import { type Config, SERVICE_NAME } from "./config.js";
import { migrate, migrateAs, pendingMigrations } from "./db/migrate.js";
import { closeDbPool, createDbPool, databaseProbe, type DbPool, poolStats } from "./db/pool.js";
import { type OpsServer, type Readiness, startOpsServer } from "./http/ops-server.js";
import { SqlItemsRepository } from "./items/items-repository.js";
import { ItemsService } from "./items/items-service.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { createRegistry, describeRegistry } from "./registry/factory.js";
import { type RpcServer, startRpcServer } from "./rpc/server.js";
import { dependency } from "./startup-error.js";
import { TimeoutError, withTimeout } from "./timeout.js";

export interface App {
  readonly instanceId: string;
  /** Bound ports (differ from the config when it asked for 0). */
  readonly rpcPort: number;
  readonly httpPort: number;
  /** Graceful stop, bounded in time; safe to call more than once. Resolves true when it had to force. */
  stop(): Promise<boolean>;
  /** Leaves the registry (bounded in time), without stopping: what a second signal still does. */
  deregister(): Promise<void>;
}

/** How long the shutdown waits for the registry (and any other step) before going on. */
const DEPENDENCY_TIMEOUT_MS = 3_000;
/** Closing the pool cleanly takes milliseconds; longer means a hung database: its connections are destroyed. */
const POOL_CLOSE_TIMEOUT_MS = 1_000;
/** How often the RPC server's own health check is brought up to date when nobody asks /readyz. */
const HEALTH_REFRESH_MS = 5_000;

/** Brings the schema up to date, or (DB_MIGRATIONS=verify) checks that its owner already did. */
async function prepareSchema(config: Config, pool: DbPool, logger: Logger): Promise<void> {
  if (config.migrations === "verify") {
    const pending = await pendingMigrations(pool);
    if (pending.length > 0) {
      throw new Error(
        `the schema lacks migrations ${pending.join(", ")}: apply them first (npm run migrate, as the account of MIGRATION_DATABASE_URL)`,
      );
    }
    return;
  }
  await (config.migrationDatabaseUrl === undefined
    ? migrate(pool, { logger })
    : migrateAs(config.migrationDatabaseUrl, { logger }));
}

export interface AppOptions {
  readonly logger?: Logger;
}

/**
 * Starts the service: ops HTTP server (not ready yet), database migrations,
 * RPC server, registration. Ready once registered. If a step fails, what was
 * started is stopped again and a StartupError naming the dependency is thrown.
 */
export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const instanceId = config.serviceInstanceId ?? randomUUID();
  const metrics = createMetrics();
  const pool = createDbPool({
    url: config.databaseUrl,
    connectionLimit: config.dbPoolSize,
    queueLimit: config.dbPoolQueueLimit,
  });
  metrics.observePool(() => poolStats(pool));
  const databaseReady = databaseProbe(pool);
  const registry = createRegistry(config.registry, { ttlSeconds: config.registryTtlSeconds, logger });
  metrics.observeRegistration(() => registry.isRegistered());

  let accepting = false;
  let ops: OpsServer | undefined;
  let rpc: RpcServer | undefined;

  // Not gated on the registry: an etcd outage must not take every instance out of the load
  // balancers; instances already listed keep being called, and registration comes back by itself.
  const readiness = async (): Promise<Readiness> => {
    const database = await databaseReady();
    const registered = registry.isRegistered();
    const ready = accepting && database;
    rpc?.setServing?.(ready);
    return { ready, checks: { accepting, database, registered } };
  };
  // Only a transport with a health check of its own needs it kept up to date between probes.
  let healthRefresh: NodeJS.Timeout | undefined;

  /** Runs one shutdown step for at most timeoutMs; true when it failed or had to be abandoned. */
  const step = async (name: string, action: () => Promise<boolean | void>, timeoutMs: number): Promise<boolean> => {
    try {
      return (await withTimeout(action(), timeoutMs, name)) === true;
    } catch (error) {
      if (error instanceof TimeoutError) {
        logger.warn({ timeoutMs }, `shutdown step abandoned after its time limit: ${name}`);
      } else {
        logger.error({ err: error }, `shutdown step failed: ${name}`);
      }
      return true;
    }
  };

  let deregistering: Promise<boolean> | undefined;
  const deregister = (): Promise<boolean> =>
    (deregistering ??= step("deregister", () => registry.deregister(), DEPENDENCY_TIMEOUT_MS));

  // Order matters: leave the registry first and keep serving while clients' watches catch up, so
  // no call is sent to a closed port; then let in-flight calls finish before the database goes away.
  const shutdown = async (): Promise<boolean> => {
    const wasAccepting = accepting;
    accepting = false;
    clearInterval(healthRefresh);
    rpc?.setServing?.(false);
    let forced = await deregister();
    if (wasAccepting && config.deregisterDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, config.deregisterDelayMs));
    }
    if (rpc !== undefined) {
      const server = rpc;
      const drainMs = config.shutdownTimeoutMs;
      forced = (await step("drain rpc server", () => server.stop(drainMs), drainMs + DEPENDENCY_TIMEOUT_MS)) || forced;
    }
    forced = (await step("close registry", () => registry.close(), DEPENDENCY_TIMEOUT_MS)) || forced;
    forced =
      (await step("close database pool", () => closeDbPool(pool, POOL_CLOSE_TIMEOUT_MS), DEPENDENCY_TIMEOUT_MS)) ||
      forced;
    if (ops !== undefined) {
      const server = ops;
      forced = (await step("stop ops server", () => server.stop(), DEPENDENCY_TIMEOUT_MS)) || forced;
    }
    logger.info({ instanceId, forced }, "stopped");
    return forced;
  };

  try {
    ops = await dependency(`HTTP port ${String(config.httpPort)}`, () =>
      startOpsServer({
        port: config.httpPort,
        metrics: metrics.registry,
        logger,
        readiness,
      }),
    );
    await dependency(`database at ${new URL(config.databaseUrl).host}`, () => prepareSchema(config, pool, logger));
    const items = new ItemsService(new SqlItemsRepository(pool));
    const server = await dependency(`RPC port ${String(config.rpcPort)}`, () =>
      startRpcServer({
        port: config.rpcPort,
        items,
        metrics,
        logger,
        requestTimeoutMs: config.requestTimeoutMs,
        settings: config.rpc,
      }),
    );
    rpc = server;
    if (server.setServing !== undefined) {
      healthRefresh = setInterval(() => {
        void readiness();
      }, HEALTH_REFRESH_MS);
      healthRefresh.unref();
    }
    const instance = { id: instanceId, host: config.advertiseHost, port: server.port, protocol: server.protocol };
    await dependency(`registry (${describeRegistry(config.registry)})`, () =>
      registry.register(SERVICE_NAME, instance),
    );
    accepting = true;
    await readiness();
  } catch (error) {
    await shutdown();
    throw error;
  }

  logger.info({ instanceId, rpcPort: rpc.port, httpPort: ops.port }, "ready");
  let stopping: Promise<boolean> | undefined;
  return {
    instanceId,
    rpcPort: rpc.port,
    httpPort: ops.port,
    stop: () => (stopping ??= shutdown()),
    deregister: async () => {
      accepting = false;
      rpc?.setServing?.(false);
      await deregister();
    },
  };
}
