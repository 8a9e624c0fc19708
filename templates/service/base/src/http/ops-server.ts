import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

import type { Registry as MetricsRegistry } from "prom-client";

import type { Logger } from "../logger.js";

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

export interface OpsServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly metrics: MetricsRegistry;
  readonly readiness: () => Promise<Readiness>;
  readonly logger: Logger;
}

export interface OpsServer {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Operations endpoints, separate from the RPC port:
 * GET /healthz (process alive), GET /readyz (can serve traffic), GET /metrics.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { logger } = options;

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? "/").split("?", 1)[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(response, 405, "text/plain; charset=utf-8", "method not allowed\n");
    } else if (path === "/healthz") {
      send(response, 200, "application/json", JSON.stringify({ status: "ok" }));
    } else if (path === "/readyz") {
      const readiness = await options.readiness();
      send(
        response,
        readiness.ready ? 200 : 503,
        "application/json",
        JSON.stringify({ status: readiness.ready ? "ready" : "not ready", checks: readiness.checks }),
      );
    } else if (path === "/metrics") {
      send(response, 200, options.metrics.contentType, await options.metrics.metrics());
    } else {
      send(response, 404, "text/plain; charset=utf-8", "not found\n");
    }
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      logger.error({ err: error, url: request.url }, "ops request failed");
      if (!response.headersSent) {
        send(response, 500, "text/plain; charset=utf-8", "internal error\n");
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("ops server is not listening on a TCP port");
  }
  const { port } = address;
  logger.info({ port }, "ops HTTP server listening");

  return {
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) {
            resolve();
          } else {
            reject(error);
          }
        });
        // Scrapers keep connections open; do not wait for them.
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, statusCode: number, contentType: string, body: string): void {
  response.writeHead(statusCode, { "content-type": contentType, "cache-control": "no-store" });
  response.end(body);
}
