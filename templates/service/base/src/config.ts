import { hostname } from "node:os";

import { z } from "zod";

import { integer, required } from "./env.js";
import { type RegistryConnection, registryConnection, registryEnv } from "./registry/factory.js";
import { rpcEnv, type RpcSettings, rpcSettings } from "./rpc/settings.js";

export const SERVICE_NAME = "<%= service.name %>";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const MIGRATION_MODES = ["apply", "verify"] as const;
/**
 * apply: the service applies pending migrations at startup; verify: it refuses to start while any is
 * pending, because another process (`npm run migrate`, as the schema's owner) applies them.
 */
export type MigrationMode = (typeof MIGRATION_MODES)[number];

export interface Config {
  /** mysql://user:password@host:port/database: the account that serves calls. */
  readonly databaseUrl: string;
  /** The account that owns the schema and applies migrations; unset: databaseUrl's. */
  readonly migrationDatabaseUrl: string | undefined;
  readonly migrations: MigrationMode;
  /** How to reach the service registry (the variables of src/registry/factory.ts). */
  readonly registry: RegistryConnection;
  /** 0 picks a free port (tests). */
  readonly rpcPort: number;
  /** The RPC server's own limits (the variables of src/rpc/settings.ts). */
  readonly rpc: RpcSettings;
  /** 0 picks a free port (tests). */
  readonly httpPort: number;
  /** Host name or IP that other services use to reach this instance. */
  readonly advertiseHost: string;
  readonly logLevel: LogLevel;
  /** Unique per running instance; generated when not set. */
  readonly serviceInstanceId: string | undefined;
  readonly dbPoolSize: number;
  /** Calls that may wait for a database connection before more are refused (RESOURCE_EXHAUSTED). */
  readonly dbPoolQueueLimit: number;
  /** The longest a call may run, whatever the caller's deadline. */
  readonly requestTimeoutMs: number;
  readonly registryTtlSeconds: number;
  /** On shutdown, how long to keep serving after deregistering, while clients' watches catch up. */
  readonly deregisterDelayMs: number;
  /** On shutdown, how long in-flight calls get to finish. */
  readonly shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const mysqlUrl = () => z.url({ protocol: /^mysql$/, error: required("a mysql:// URL") });
const logLevel = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info");

const envSchema = z.object({
  DATABASE_URL: mysqlUrl(),
  MIGRATION_DATABASE_URL: mysqlUrl().optional(),
  DB_MIGRATIONS: z.enum(MIGRATION_MODES, { error: `must be one of ${MIGRATION_MODES.join(", ")}` }).default("apply"),
  ...registryEnv.shape,
  ...rpcEnv.shape,
  RPC_PORT: integer(0, 65535, <%= service.rpcPort %>),
  HTTP_PORT: integer(0, 65535, <%= service.httpPort %>),
  ADVERTISE_HOST: z.string().min(1).optional(),
  LOG_LEVEL: logLevel,
  SERVICE_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, { error: "must be 1-128 characters of A-Z a-z 0-9 . _ -" })
    .optional(),
  DB_POOL_SIZE: integer(1, 100, 10),
  DB_POOL_QUEUE_LIMIT: integer(1, 10_000, 100),
  REQUEST_TIMEOUT_MS: integer(1, 600_000, 10_000),
  REGISTRY_TTL_SECONDS: integer(2, 300, 10),
  DEREGISTER_DELAY_MS: integer(0, 60_000, 2_000),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600_000, 10_000),
});

/**
 * Reads the configuration from environment variables. Empty values count as
 * unset. Throws a ConfigError whose message is one line naming every invalid
 * variable (values are never echoed: they may hold secrets).
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const vars = parseEnv(envSchema, env);
  return {
    databaseUrl: vars.DATABASE_URL,
    migrationDatabaseUrl: vars.MIGRATION_DATABASE_URL,
    migrations: vars.DB_MIGRATIONS,
    registry: registryConnection(vars),
    rpcPort: vars.RPC_PORT,
    rpc: rpcSettings(vars),
    httpPort: vars.HTTP_PORT,
    advertiseHost: vars.ADVERTISE_HOST ?? hostname(),
    logLevel: vars.LOG_LEVEL,
    serviceInstanceId: vars.SERVICE_INSTANCE_ID,
    dbPoolSize: vars.DB_POOL_SIZE,
    dbPoolQueueLimit: vars.DB_POOL_QUEUE_LIMIT,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    registryTtlSeconds: vars.REGISTRY_TTL_SECONDS,
    deregisterDelayMs: vars.DEREGISTER_DELAY_MS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
  };
}

/** What `npm run migrate` (src/migrate-main.ts) needs: the schema owner's account, and the log level. */
export interface MigrationConfig {
  readonly databaseUrl: string;
  readonly logLevel: LogLevel;
}

const migrationEnvSchema = z.object({
  MIGRATION_DATABASE_URL: mysqlUrl().optional(),
  DATABASE_URL: mysqlUrl().optional(),
  LOG_LEVEL: logLevel,
});

export function loadMigrationConfig(env: Readonly<Record<string, string | undefined>>): MigrationConfig {
  const vars = parseEnv(migrationEnvSchema, env);
  const databaseUrl = vars.MIGRATION_DATABASE_URL ?? vars.DATABASE_URL;
  if (databaseUrl === undefined) {
    throw new ConfigError(
      "invalid configuration: MIGRATION_DATABASE_URL is required (the mysql:// URL of the account that owns the schema; DATABASE_URL is used when it is unset)",
    );
  }
  return { databaseUrl, logLevel: vars.LOG_LEVEL };
}

/**
 * For entry points: the configuration `load` reads from the environment, or the process ends with its
 * one-line error and status 1.
 */
export function configOrExit<T>(load: (env: Readonly<Record<string, string | undefined>>) => T): T {
  try {
    return load(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${SERVICE_NAME}: ${error.message}\n`);
    return process.exit(1);
  }
}

function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: Readonly<Record<string, string | undefined>>,
): z.infer<Schema> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  return result.data;
}
