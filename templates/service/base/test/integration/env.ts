import { randomBytes } from "node:crypto";

import { createConnection } from "mysql2/promise";

import { type App, startApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import { silentLogger } from "../helpers.js";
import { retry } from "../retry.js";
import { REGISTRY_TEST_VARIABLES, registryAppEnv, waitForRegistry } from "./registry-env.js";

/**
 * Integration tests need a MySQL-compatible database and the service registry:
 *   TEST_DATABASE_URL    mysql://user:password@host:port/database, a database of the tests' own
 *                        (its tables are dropped!), used as given; or only a server and an account that
 *                        may create databases and users (mysql://root:password@host:port/, as in CI): the
 *                        tests then create <%= service.snakeName %>_test and a user allowed that database only,
 *                        <%= service.snakeName %>_t, and run as that user, as the service runs in production.
 *   and the registry's variables (test/integration/registry-env.ts); the tests register under a
 *   prefix of their own.
 * Without them the integration suites are skipped, unless REQUIRE_INTEGRATION=1
 * (CI), which makes them fail instead.
 */
const VARIABLES = ["TEST_DATABASE_URL", ...REGISTRY_TEST_VARIABLES];

/** The tests' database when TEST_DATABASE_URL names none: one per service, so suites never share one. */
export const DEFAULT_TEST_DATABASE = "<%= service.snakeName %>_test";
/** Its user, allowed that database only (at most 32 characters, MySQL's and TiDB's limit). */
export const TEST_DATABASE_USER = "<%= service.snakeName %>_t";
/** GRANT reads `_` as a wildcard: escaped, the grant names this database only. */
const TEST_DATABASE_GRANT = <%- JSON.stringify(`${service.grantDatabase}\\_test`) %>;
// A fresh password per test process: the user exists only for the tests.
const TEST_DATABASE_PASSWORD = randomBytes(18).toString("hex");

const missing = VARIABLES.filter((name) => (process.env[name] ?? "").trim() === "");
const required = process.env.REQUIRE_INTEGRATION === "1";

/** false only when the variables are missing and not required. */
export const runIntegration = missing.length === 0 || required;

/** Suite title; says why it is skipped when it is. */
export function integrationTitle(title: string): string {
  return runIntegration ? title : `${title} [skipped: set ${missing.join(" and ")} to run]`;
}

export interface IntegrationEnv {
  /** What the tests and the service under test connect with. */
  readonly databaseUrl: string;
  /** When TEST_DATABASE_URL names only a server: the account that creates the database and its user. */
  readonly adminUrl?: string;
  /** The registry variables as the service reads them (e.g. ETCD_ENDPOINTS). */
  readonly registryEnv: Readonly<Record<string, string>>;
}

/** The variables; throws when one is missing (REQUIRE_INTEGRATION=1). */
export function integrationEnv(): IntegrationEnv {
  if (missing.length > 0) {
    throw new Error(`REQUIRE_INTEGRATION=1 but ${missing.join(" and ")} not set`);
  }
  const testUrl = process.env.TEST_DATABASE_URL ?? "";
  const databaseUrl = testDatabaseUrl(testUrl, process.env.DATABASE_URL);
  return {
    databaseUrl,
    ...(databaseUrl === testUrl ? {} : { adminUrl: testUrl }),
    registryEnv: registryAppEnv(),
  };
}

/**
 * TEST_DATABASE_URL as given when it names a database; when it names only a server,
 * DEFAULT_TEST_DATABASE as TEST_DATABASE_USER on that server. Refuses the service's own database
 * (DATABASE_URL), whose tables the tests would drop.
 */
export function testDatabaseUrl(testUrl: string, serviceUrl?: string): string {
  const url = new URL(testUrl);
  if (url.pathname === "" || url.pathname === "/") {
    url.pathname = `/${DEFAULT_TEST_DATABASE}`;
    url.username = TEST_DATABASE_USER;
    url.password = TEST_DATABASE_PASSWORD;
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
    DEREGISTER_DELAY_MS: "0",
    SHUTDOWN_TIMEOUT_MS: "2000",
    ...overrides,
  });
}

/**
 * Waits until both servers answer (CI service containers may still be starting); given only a server,
 * first creates the tests' database and its user. Gives up under the 60 s hook timeout (vitest.config.ts),
 * so that a server that never accepts the tests is reported with its last error (e.g. "Access denied").
 */
export async function waitForServers(env: IntegrationEnv, timeoutMs = 45_000): Promise<void> {
  if (env.adminUrl) await retry(timeoutMs, () => createTestDatabaseAndUser(env.adminUrl!));
  await retry(timeoutMs, () => connectOrCreateDatabase(env.databaseUrl));
  await waitForRegistry(env.registryEnv, timeoutMs);
}

/** As db-init does for the service itself: its database, and a user that may use that database only. */
async function createTestDatabaseAndUser(adminUrl: string): Promise<void> {
  const connection = await createConnection({ uri: adminUrl, connectTimeout: 2_000 });
  const user = `${connection.escape(TEST_DATABASE_USER)}@'%'`;
  try {
    const database = connection.escapeId(DEFAULT_TEST_DATABASE);
    const password = connection.escape(TEST_DATABASE_PASSWORD);
    await connection.query(`CREATE DATABASE IF NOT EXISTS ${database} CHARACTER SET utf8mb4`);
    await connection.query(`CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY ${password}`);
    await connection.query(`ALTER USER ${user} IDENTIFIED BY ${password}`);
    await connection.query(`GRANT ALL PRIVILEGES ON \`${TEST_DATABASE_GRANT}\`.* TO ${user}`);
  } finally {
    await connection.end();
  }
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
