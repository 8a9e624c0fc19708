import { type App, startApp } from "./app.js";
import { type Config, ConfigError, loadConfig, SERVICE_NAME } from "./config.js";
import { createLogger } from "./logger.js";

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${SERVICE_NAME}: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config.logLevel);

let app: App;
try {
  app = await startApp(config, { logger });
} catch (error) {
  logger.fatal({ err: error }, "startup failed");
  process.exit(1);
}

let stopping = false;
const onSignal = (signal: NodeJS.Signals): void => {
  if (stopping) {
    logger.warn({ signal }, "second signal: exiting without waiting");
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "shutting down");
  app.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.fatal({ err: error }, "shutdown failed");
      process.exit(1);
    },
  );
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);
