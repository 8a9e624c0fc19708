import { describe, expect, it } from "vitest";

import { ConfigError, loadConfig, loadMigrationConfig } from "../../src/config.js";
import { DEFAULT_RPC_SETTINGS } from "../../src/rpc/settings.js";
import {
  expectedRegistryConnection,
  invalidRegistryEnv,
  invalidRegistryMessages,
  requiredRegistryVariables,
  validRegistryEnv,
} from "../registry-fixtures.js";

const owner = "mysql://<%= service.migrationUser %>:secret@db.internal:3306/<%= service.snakeName %>";
const minimal = {
  DATABASE_URL: "mysql://<%= service.snakeName %>:secret@db.internal:3306/<%= service.snakeName %>",
  ...validRegistryEnv,
};

function configError(
  env: Record<string, string | undefined>,
  load: (env: Record<string, string | undefined>) => unknown = loadConfig,
): string {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.message;
    }
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies defaults", () => {
    const config = loadConfig({ ...minimal, ADVERTISE_HOST: "10.0.0.7" });
    expect(config).toEqual({
      databaseUrl: minimal.DATABASE_URL,
      migrationDatabaseUrl: undefined,
      migrations: "apply",
      registry: expectedRegistryConnection,
      rpcPort: <%= service.rpcPort %>,
      rpc: DEFAULT_RPC_SETTINGS,
      httpPort: <%= service.httpPort %>,
      advertiseHost: "10.0.0.7",
      logLevel: "info",
      serviceInstanceId: undefined,
      dbPoolSize: 10,
      dbPoolQueueLimit: 100,
      requestTimeoutMs: 10_000,
      registryTtlSeconds: 10,
      deregisterDelayMs: 2_000,
      shutdownTimeoutMs: 10_000,
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      ...minimal,
      RPC_PORT: "6000",
      HTTP_PORT: "0",
      ADVERTISE_HOST: "<%= service.name %>-0.<%= service.name %>",
      LOG_LEVEL: "debug",
      SERVICE_INSTANCE_ID: "<%= service.name %>-0",
      DB_POOL_SIZE: "4",
      DB_POOL_QUEUE_LIMIT: "40",
      REQUEST_TIMEOUT_MS: "3000",
      REGISTRY_TTL_SECONDS: "30",
      DEREGISTER_DELAY_MS: "500",
      SHUTDOWN_TIMEOUT_MS: "2500",
      MIGRATION_DATABASE_URL: owner,
      DB_MIGRATIONS: "verify",
    });
    expect(config).toMatchObject({
      migrationDatabaseUrl: owner,
      migrations: "verify",
      rpcPort: 6000,
      httpPort: 0,
      advertiseHost: "<%= service.name %>-0.<%= service.name %>",
      logLevel: "debug",
      serviceInstanceId: "<%= service.name %>-0",
      dbPoolSize: 4,
      dbPoolQueueLimit: 40,
      requestTimeoutMs: 3000,
      registryTtlSeconds: 30,
      deregisterDelayMs: 500,
      shutdownTimeoutMs: 2500,
    });
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ ...minimal, RPC_PORT: "", LOG_LEVEL: " " })).toMatchObject({
      rpcPort: <%= service.rpcPort %>,
      logLevel: "info",
    });
  });

  it("names every missing variable in one line", () => {
    const message = configError({});
    const missing = ["DATABASE_URL", ...requiredRegistryVariables].map((name) => `${name} is required`);
    expect(message).toBe(`invalid configuration: ${missing.join("; ")}`);
  });

  it("explains invalid values without echoing them", () => {
    const message = configError({
      DATABASE_URL: "postgres://user:hunter2@db/<%= service.snakeName %>",
      ...invalidRegistryEnv,
      RPC_PORT: "70000",
      HTTP_PORT: "http",
      LOG_LEVEL: "loud",
      SERVICE_INSTANCE_ID: "has spaces",
      MIGRATION_DATABASE_URL: "postgres://owner:hunter3@db/<%= service.snakeName %>",
      DB_MIGRATIONS: "later",
    });
    expect(message).not.toContain("\n");
    expect(message).not.toContain("hunter2");
    expect(message).toContain("DATABASE_URL must be a mysql:// URL");
    for (const registryMessage of invalidRegistryMessages) {
      expect(message).toContain(registryMessage);
    }
    expect(message).toContain("RPC_PORT must be an integer between 0 and 65535");
    expect(message).toContain("HTTP_PORT must be an integer between 0 and 65535");
    expect(message).toContain("LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent");
    expect(message).toContain("SERVICE_INSTANCE_ID must be 1-128 characters");
    expect(message).not.toContain("hunter3");
    expect(message).toContain("MIGRATION_DATABASE_URL must be a mysql:// URL");
    expect(message).toContain("DB_MIGRATIONS must be one of apply, verify");
  });
});

describe("loadMigrationConfig (npm run migrate)", () => {
  it("takes the schema owner's account, else DATABASE_URL's", () => {
    expect(loadMigrationConfig({ ...minimal, MIGRATION_DATABASE_URL: owner })).toEqual({
      databaseUrl: owner,
      logLevel: "info",
    });
    expect(loadMigrationConfig({ DATABASE_URL: minimal.DATABASE_URL, LOG_LEVEL: "warn" })).toEqual({
      databaseUrl: minimal.DATABASE_URL,
      logLevel: "warn",
    });
  });

  it("needs one of them, and names the variable", () => {
    expect(configError({}, loadMigrationConfig)).toMatch(
      /^invalid configuration: MIGRATION_DATABASE_URL is required \(/,
    );
    expect(configError({ MIGRATION_DATABASE_URL: "file:///x" }, loadMigrationConfig)).toBe(
      "invalid configuration: MIGRATION_DATABASE_URL must be a mysql:// URL",
    );
  });
});
