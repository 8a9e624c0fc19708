import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Integration test files share one database and one registry: run files one
    // at a time (tests inside a file are sequential by default).
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
