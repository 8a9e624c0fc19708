import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";

import { defineConfig } from "vitest/config";

/**
 * `--mode integration` (the test:integration script): the integration tests' TEST_* variables come from
 * this service's .env, pointing at the local stack, and the tests are required, not skipped.
 */
function integrationEnv(): Record<string, string | undefined> {
  const variables = Object.entries(parseEnv(readFileSync(".env", "utf8")));
  return { ...Object.fromEntries(variables.filter(([name]) => name.startsWith("TEST_"))), REQUIRE_INTEGRATION: "1" };
}

export default defineConfig(({ mode }) => ({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    env: mode === "integration" ? integrationEnv() : {},
    // Integration test files share one database and one registry: run files one
    // at a time (tests inside a file are sequential by default).
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
}));
