import { defineConfig } from 'vitest/config';

// Three projects, so each layer runs on its own: `npm run test:unit`, `test:cli`, `test:e2e`.
const project = (name: string, include: string[]) => ({ extends: true as const, test: { name, include } });

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', 'templates/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Generated repos install this release: from a local registry it is published to for the run.
    globalSetup: ['test/support/registry-setup.ts'],
    projects: [
      project('unit', ['test/unit/**/*.test.ts', 'test/support/**/*.test.ts']),
      project('cli', ['test/cli/**/*.test.ts']),
      project('e2e', ['test/e2e/**/*.test.ts']),
    ],
  },
});
