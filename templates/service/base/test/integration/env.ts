import { createConnection } from "mysql2/promise";

import { type App, startApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import { silentLogger } from "../helpers.js";
import { retry } from "../retry.js";
import { REGISTRY_TEST_VARIABLES, registryAppEnv, waitForRegistry } from "./registry-env.js";

/**
 * Integration tests need a MySQL-compatible database and the service registry:
 *   TEST_DATABASE_URL    mysql://user:password@host:port/database (tables are dropped!)
 *   and the registry's variables (test/integration/registry-env.ts).
 * Without them the integration suites are skipped, unless REQUIRE_INTEGRATION=1
 * (CI), which makes them fail instead.
 */
const VARIABLES = ["TEST_DATABASE_URL", ...REGISTRY_TEST_VARIABLES];

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
    databaseUrl: process.env.TEST_DATABASE_URL ?? "",
    registryEnv: registryAppEnv(),
  };
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
  await retry(timeoutMs, async () => {
    const connection = await createConnection({ uri: env.databaseUrl, connectTimeout: 2_000 });
    await connection.end();
  });
  await waitForRegistry(env.registryEnv, timeoutMs);
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
