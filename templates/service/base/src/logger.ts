import { type DestinationStream, type Logger, pino } from "pino";

import { type LogLevel, SERVICE_NAME } from "./config.js";

export type { Logger };

/** JSON lines on stdout: {"level":"info","time":"...","service":"<%= service.name %>",...}. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: SERVICE_NAME },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
