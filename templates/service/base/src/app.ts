import { randomUUID } from "node:crypto";

import { type Config, SERVICE_NAME } from "./config.js";
import { migrate } from "./db/migrate.js";
import { createDbPool, pingDb, poolStats } from "./db/pool.js";
import { type OpsServer, startOpsServer } from "./http/ops-server.js";
import { SqlItemsRepository } from "./items/items-repository.js";
import { ItemsService } from "./items/items-service.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { createRegistry } from "./registry/factory.js";
import { type RpcServer, startRpcServer } from "./rpc/server.js";

export interface App {
  readonly instanceId: string;
  /** Bound ports (differ from the config when it asked for 0). */
  readonly rpcPort: number;
  readonly httpPort: number;
  /** Graceful stop; safe to call more than once. */
  stop(): Promise<void>;
}

export interface AppOptions {
  readonly logger?: Logger;
}

/**
 * Starts the service: ops HTTP server (not ready yet), database migrations,
 * RPC server, registration. Ready once registered. If a step fails, what was
 * started is stopped again and the error is rethrown.
 */
export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const instanceId = config.serviceInstanceId ?? randomUUID();
  const metrics = createMetrics();
  const pool = createDbPool({ url: config.databaseUrl, connectionLimit: config.dbPoolSize });
  metrics.observePool(() => poolStats(pool));
  const registry = createRegistry(config.registry, { ttlSeconds: config.registryTtlSeconds, logger });
  metrics.observeRegistration(() => registry.isRegistered());

  let accepting = false;
  let ops: OpsServer | undefined;
  let rpc: RpcServer | undefined;

  const step = async (name: string, action: () => Promise<void>): Promise<void> => {
    try {
      await action();
    } catch (error) {
      logger.error({ err: error }, `shutdown step failed: ${name}`);
    }
  };

  // Order matters: leave the registry first so no new calls arrive, then let
  // in-flight calls finish before the database goes away.
  const shutdown = async (): Promise<void> => {
    accepting = false;
    await step("deregister", () => registry.deregister());
    if (rpc !== undefined) {
      const server = rpc;
      await step("drain rpc server", () => server.stop(config.shutdownTimeoutMs));
    }
    await step("close registry", () => registry.close());
    await step("close database pool", () => pool.end());
    if (ops !== undefined) {
      const server = ops;
      await step("stop ops server", () => server.stop());
    }
    logger.info({ instanceId }, "stopped");
  };

  try {
    ops = await startOpsServer({
      port: config.httpPort,
      metrics: metrics.registry,
      logger,
      readiness: async () => {
        const database = await pingDb(pool);
        const registered = registry.isRegistered();
        return { ready: accepting && database && registered, checks: { accepting, database, registered } };
      },
    });
    await migrate(pool, { logger });
    const items = new ItemsService(new SqlItemsRepository(pool));
    rpc = await startRpcServer({ port: config.rpcPort, items, metrics, logger });
    await registry.register(SERVICE_NAME, { id: instanceId, host: config.advertiseHost, port: rpc.port });
    accepting = true;
  } catch (error) {
    await shutdown();
    throw error;
  }

  logger.info({ instanceId, rpcPort: rpc.port, httpPort: ops.port }, "ready");
  let stopping: Promise<void> | undefined;
  return {
    instanceId,
    rpcPort: rpc.port,
    httpPort: ops.port,
    stop: () => (stopping ??= shutdown()),
  };
}
