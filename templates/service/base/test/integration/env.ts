import { createConnection } from "mysql2/promise";

import { type App, startApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import { silentLogger } from "../helpers.js";
import { retry } from "../retry.js";
import { REGISTRY_TEST_VARIABLES, registryAppEnv, waitForRegistry } from "./registry-env.js";

/**
 * Integration tests need a MySQL-compatible database and the service registry:
 *   TEST_DATABASE_URL    mysql://user:password@host:port/database, a database of the tests' own
 *                        (its tables are dropped!); without a database (mysql://user:password@host:port/,
 *                        as in CI), <%= service.snakeName %>_test. Created when missing, if the account may.
 *   and the registry's variables (test/integration/registry-env.ts); the tests register under a
 *   prefix of their own.
 * Without them the integration suites are skipped, unless REQUIRE_INTEGRATION=1
 * (CI), which makes them fail instead.
 */
const VARIABLES = ["TEST_DATABASE_URL", ...REGISTRY_TEST_VARIABLES];

/** The tests' database when TEST_DATABASE_URL names none: one per service, so suites never share one. */
export const DEFAULT_TEST_DATABASE = "<%= service.snakeName %>_test";

const missing = VARIABLES.filter((name) => (process.env[name] ?? "").trim() === "");
const required = process.env.REQUIRE_INTEGRATION === "1";

/** false only when the variables are missing and not required. */
export const runIntegration = missing.length === 0 || required;

/** Suite title; says why it is skipped when it is. */
export function integrationTitle(title: string): string {
  return runIntegration ? title : `${title} [skipped: set ${missing.join(" and ")} to run]`;
}

export interface IntegrationEnv {
  readonly databaseUrl: string;
  /** The registry variables as the service reads them (e.g. ETCD_ENDPOINTS). */
  readonly registryEnv: Readonly<Record<string, string>>;
}

/** The variables; throws when one is missing (REQUIRE_INTEGRATION=1). */
export function integrationEnv(): IntegrationEnv {
  if (missing.length > 0) {
    throw new Error(`REQUIRE_INTEGRATION=1 but ${missing.join(" and ")} not set`);
  }
  return {
    databaseUrl: testDatabaseUrl(process.env.TEST_DATABASE_URL ?? "", process.env.DATABASE_URL),
    registryEnv: registryAppEnv(),
  };
}

/**
 * TEST_DATABASE_URL with its database: DEFAULT_TEST_DATABASE when it names none. Refuses the
 * service's own database (DATABASE_URL), whose tables the tests would drop.
 */
export function testDatabaseUrl(testUrl: string, serviceUrl?: string): string {
  const url = new URL(testUrl);
  if (url.pathname === "" || url.pathname === "/") {
    url.pathname = `/${DEFAULT_TEST_DATABASE}`;
  }
  const where = (u: URL) => `${u.hostname}:${u.port || "3306"}${u.pathname}`;
  if (serviceUrl !== undefined && serviceUrl.trim() !== "" && URL.canParse(serviceUrl)) {
    if (where(url) === where(new URL(serviceUrl))) {
      throw new Error(
        `TEST_DATABASE_URL names the service's own database (DATABASE_URL), whose tables the tests drop: use ${DEFAULT_TEST_DATABASE}`,
      );
    }
  }
  return url.toString();
}

/** App configuration for tests: free ports, loopback, quiet logs, short lease TTL. */
export function testConfig(env: IntegrationEnv, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: env.databaseUrl,
    ...env.registryEnv,
    RPC_PORT: "0",
    HTTP_PORT: "0",
    ADVERTISE_HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    REGISTRY_TTL_SECONDS: "3",
    SHUTDOWN_TIMEOUT_MS: "2000",
    ...overrides,
  });
}

/** Waits until both servers answer (CI service containers may still be starting). */
export async function waitForServers(env: IntegrationEnv, timeoutMs = 60_000): Promise<void> {
  await retry(timeoutMs, () => connectOrCreateDatabase(env.databaseUrl));
  await waitForRegistry(env.registryEnv, timeoutMs);
}

/** Connects to the test database; creates it when the server answers that it does not exist (a fresh CI server). */
async function connectOrCreateDatabase(databaseUrl: string): Promise<void> {
  try {
    const connection = await createConnection({ uri: databaseUrl, connectTimeout: 2_000 });
    await connection.end();
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ER_BAD_DB_ERROR") {
      throw error;
    }
    const server = new URL(databaseUrl);
    const database = decodeURIComponent(server.pathname.slice(1));
    server.pathname = "/";
    const connection = await createConnection({ uri: server.toString(), connectTimeout: 2_000 });
    try {
      await connection.query(`CREATE DATABASE IF NOT EXISTS ${connection.escapeId(database)} CHARACTER SET utf8mb4`);
    } finally {
      await connection.end();
    }
  }
}

/** Drops the service's tables so a suite starts from an empty database. */
export async function resetDatabase(env: IntegrationEnv): Promise<void> {
  const connection = await createConnection({ uri: env.databaseUrl });
  try {
    await connection.query("DROP TABLE IF EXISTS items, schema_migrations");
  } finally {
    await connection.end();
  }
}

/** The suite's servers answered, the database emptied, the whole service started in-process. */
export async function startIntegrationApp(): Promise<{ env: IntegrationEnv; app: App }> {
  const env = integrationEnv();
  await waitForServers(env);
  await resetDatabase(env);
  return { env, app: await startApp(testConfig(env), { logger: silentLogger }) };
}
