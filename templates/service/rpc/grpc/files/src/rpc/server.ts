import { format } from "node:util";

import { Server, ServerCredentials, setLogger } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";

import type { Logger } from "../logger.js";
import type { RpcServer, RpcServerOptions } from "./contract.js";
import { loadPackage, loadService, type ServiceConstructor } from "./definition.js";
import { createHandlers } from "./handlers.js";
import { DEFAULT_RPC_SETTINGS } from "./settings.js";
import { withStrictDecoding } from "./wire.js";

export type { RpcServer, RpcServerOptions } from "./contract.js";

/** grpc-js writes through the service's logger (one JSON stream) instead of console.error. */
export function routeTransportLogs(logger: Logger): void {
  const forward =
    (level: "warn" | "info" | "debug") =>
    (...args: unknown[]): void => {
      logger[level]({ source: "grpc-js" }, format(...args));
    };
  setLogger({ error: forward("warn"), info: forward("info"), debug: forward("debug") });
}

/**
 * Serves this service, or, given another one's definition, the same calls under its name (for tests),
 * with the standard health service (grpc.health.v1.Health: NOT_SERVING until setServing(true), for
 * the whole server ("") and for the service by name) and, when settings.reflection is on, server
 * reflection of the service's own proto.
 */
export async function startRpcServer(
  options: RpcServerOptions,
  service: ServiceConstructor = loadService(),
): Promise<RpcServer> {
  const { logger } = options;
  const settings = options.settings ?? DEFAULT_RPC_SETTINGS;
  const server = new Server({ "grpc.max_receive_message_length": settings.maxReceiveMessageBytes });
  server.addService(withStrictDecoding(service.service), createHandlers(options));
  const serviceName = qualifiedName(service);
  const health = new HealthImplementation({ "": "NOT_SERVING", [serviceName]: "NOT_SERVING" });
  health.addToServer(server);
  if (settings.reflection) {
    new ReflectionService(loadPackage()).addToServer(server);
  }
  const address = `${options.host ?? "0.0.0.0"}:${String(options.port)}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error === null) {
        resolve(boundPort);
      } else {
        reject(error);
      }
    });
  });
  logger.info({ port }, "gRPC server listening");

  return {
    port,
    protocol: "grpc",
    setServing: (serving) => {
      const status: ServingStatus = serving ? "SERVING" : "NOT_SERVING";
      health.setStatus("", status);
      health.setStatus(serviceName, status);
    },
    stop: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ timeoutMs }, "in-flight calls did not finish in time; forcing gRPC shutdown");
          server.forceShutdown();
          resolve(true);
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve(false);
        });
      }),
  };
}

/** "<package>.<Service>", as the health service knows it: read from a method's path, "/<package>.<Service>/<Method>". */
function qualifiedName(service: ServiceConstructor): string {
  const [method] = Object.values(service.service);
  return method?.path.split("/")[1] ?? "";
}
