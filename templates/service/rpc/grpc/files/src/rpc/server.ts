import { Server, ServerCredentials } from "@grpc/grpc-js";

import type { ItemsService } from "../items/items-service.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { loadService } from "./definition.js";
import { createHandlers } from "./handlers.js";

export interface RpcServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly items: ItemsService;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export interface RpcServer {
  /** The bound port. */
  readonly port: number;
  /** Stops accepting calls, waits for in-flight ones, forces after timeoutMs. */
  stop(timeoutMs: number): Promise<void>;
}

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
