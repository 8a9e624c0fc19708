import { type App, startApp } from "./app.js";
import { type Config, ConfigError, loadConfig, SERVICE_NAME } from "./config.js";
import { createLogger } from "./logger.js";
import { routeTransportLogs } from "./rpc/server.js";
import { StartupError } from "./startup-error.js";

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
routeTransportLogs(logger);

// The handlers come before startup: /readyz can answer 200 before startApp returns, and a signal then (a
// pod stopped while it starts) would otherwise meet Node's default, which exits without deregistering.
let app: App | undefined;
let signalledWhileStarting: NodeJS.Signals | undefined;
// Exit 0 after a clean shutdown; 1 when calls had to be cut off or a dependency did not answer.
let stopping = false;
const onSignal = (signal: NodeJS.Signals): void => {
  if (app === undefined) {
    if (signalledWhileStarting !== undefined) {
      logger.warn({ signal }, "second signal while starting: exiting now");
      process.exit(1);
    }
    signalledWhileStarting = signal;
    logger.info({ signal }, "signal while starting: shutting down once started");
    return;
  }
  if (stopping) {
    // npm and `timeout` pass a signal on, so a second one is common: still leave the registry, then go.
    logger.warn({ signal }, "second signal: deregistering, then exiting without draining");
    void app.deregister().finally(() => process.exit(1));
    return;
  }
  stopping = true;
  logger.info({ signal }, "shutting down");
  app.stop().then(
    (forced) => process.exit(forced ? 1 : 0),
    (error: unknown) => {
      logger.fatal({ err: error }, "shutdown failed");
      process.exit(1);
    },
  );
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);

try {
  app = await startApp(config, { logger });
} catch (error) {
  // A StartupError's message names the dependency; its cause is the error itself.
  const [message, cause] =
    error instanceof StartupError ? [`startup failed: ${error.message}`, error.cause] : ["startup failed", error];
  logger.fatal({ err: cause }, message);
  process.exit(1);
}
if (signalledWhileStarting !== undefined) onSignal(signalledWhileStarting);
