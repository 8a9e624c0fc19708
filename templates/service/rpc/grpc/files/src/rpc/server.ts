import { Server, ServerCredentials } from "@grpc/grpc-js";

import type { RpcServer, RpcServerOptions } from "./contract.js";
import { loadService } from "./definition.js";
import { createHandlers } from "./handlers.js";

export type { RpcServer, RpcServerOptions } from "./contract.js";

export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const { logger } = options;
  const server = new Server();
  server.addService(loadService().service, createHandlers(options));
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
