// `npm run migrate`: applies the pending migrations as the schema's owner (MIGRATION_DATABASE_URL) and
// exits, so the service itself can run with an account that may not change the schema (DB_MIGRATIONS=verify).
import { configOrExit, loadMigrationConfig } from "./config.js";
import { migrateAs } from "./db/migrate.js";
import { createLogger } from "./logger.js";
import { dependency, startupFailure } from "./startup-error.js";

const config = configOrExit(loadMigrationConfig);
const logger = createLogger(config.logLevel);
try {
  await dependency(`database at ${new URL(config.databaseUrl).host}`, () => migrateAs(config.databaseUrl, { logger }));
} catch (error) {
  const { message, cause } = startupFailure("migration failed", error);
  logger.fatal({ err: cause }, message);
  process.exit(1);
}
