import { Server, ServerCredentials } from "@grpc/grpc-js";

import type { RpcServer, RpcServerOptions } from "./contract.js";
import { loadService, type ServiceConstructor } from "./definition.js";
import { createHandlers } from "./handlers.js";

export type { RpcServer, RpcServerOptions } from "./contract.js";

/** Serves this service, or, given another one's definition, the same calls under its name (for tests). */
export async function startRpcServer(
  options: RpcServerOptions,
  service: ServiceConstructor = loadService(),
): Promise<RpcServer> {
  const { logger } = options;
  const server = new Server();
  server.addService(service.service, createHandlers(options));
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
    stop: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ timeoutMs }, "in-flight calls did not finish in time; forcing gRPC shutdown");
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
