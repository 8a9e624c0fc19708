// `npm run migrate`: applies the pending migrations as the schema's owner (MIGRATION_DATABASE_URL) and
// exits, so the service itself can run with an account that may not change the schema (DB_MIGRATIONS=verify).
import { configOrExit, loadMigrationConfig } from "./config.js";
import { migrateAs } from "./db/migrate.js";
import { createLogger } from "./logger.js";

const config = configOrExit(loadMigrationConfig);
const logger = createLogger(config.logLevel);
try {
  await migrateAs(config.databaseUrl, { logger });
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  logger.fatal({ err: error }, `migration failed: database at ${new URL(config.databaseUrl).host}: ${reason}`);
  process.exit(1);
}
