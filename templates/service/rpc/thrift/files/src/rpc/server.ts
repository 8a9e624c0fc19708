import { createServer, type Socket } from "node:net";

import * as thrift from "thrift";
import { TBinaryProtocol, TFramedTransport } from "thrift";

import type { Logger } from "../logger.js";
import { onConnection } from "./caller.js";
import type { RpcServer, RpcServerOptions } from "./contract.js";
import { Service } from "./definition.js";
import { createHandlers } from "./handlers.js";
import { DEFAULT_RPC_SETTINGS } from "./settings.js";

export type { RpcServer, RpcServerOptions } from "./contract.js";

/**
 * The thrift library writes through the service's logger (one JSON stream) instead of console.log;
 * its setLogFunc is not in its type definitions.
 */
export function routeTransportLogs(logger: Logger): void {
  const setLogFunc: unknown = Reflect.get(thrift, "setLogFunc");
  if (typeof setLogFunc === "function") {
    Reflect.apply(setLogFunc, thrift, [
      (line: string) => {
        logger.warn({ source: "thrift" }, line);
      },
    ]);
  }
}

/** Malformed connections are logged at most this often (a flood of them must not flood the logs). */
const MALFORMED_LOG_INTERVAL_MS = 10_000;

/** One client connection: its socket and the calls received on it but not answered yet. */
interface Connection {
  readonly socket: Socket;
  /** Aborts when the socket closes: the calls still running for it are abandoned. */
  readonly gone: AbortController;
  inFlight: number;
  /** No new calls are taken (the server is stopping or the client has half-closed); ends once idle. */
  closing: boolean;
}

/**
 * Thrift over TCP, framed transport, binary protocol: what the Apache
 * `createServer` speaks, plus what it lacks: a frame size limit, an idle timeout,
 * a connection cap, per-connection bookkeeping so stop() can drain in-flight
 * calls, and no 'error' event that could crash the process.
 */
export async function startRpcServer(
  options: RpcServerOptions,
  // Another service's generated module serves the same calls as that service (for tests of src/clients/).
  service: Pick<typeof Service, "Processor"> = Service,
): Promise<RpcServer> {
  const { logger } = options;
  const processor = new service.Processor(createHandlers(options));
  const { maxFrameBytes, idleTimeoutMs, maxConnections } = options.settings ?? DEFAULT_RPC_SETTINGS;
  const connections = new Set<Connection>();
  let stopping = false;
  let malformed = 0;
  let malformedLoggedAt = Number.NEGATIVE_INFINITY;

  const reportMalformed = (error: unknown, remote: string | undefined): void => {
    malformed += 1;
    const now = Date.now();
    if (now - malformedLoggedAt >= MALFORMED_LOG_INTERVAL_MS) {
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn({ reason, remote, malformed }, "malformed Thrift request; closing the connection");
      malformedLoggedAt = now;
      malformed = 0;
    }
  };

  const endIfIdle = (connection: Connection): void => {
    if (connection.closing && connection.inFlight === 0) {
      connection.socket.end();
    }
  };

  const serve = (connection: Connection, frame: Buffer): void => {
    if (connection.closing) {
      // Not processed: the client sees the connection close and can retry elsewhere.
      return;
    }
    // Every method of the service answers (none is oneway): the answer ends the call's in-flight count.
    connection.inFlight += 1;
    const output = new TFramedTransport(undefined, (response) => {
      connection.inFlight -= 1;
      if (response !== undefined && connection.socket.writable) {
        connection.socket.write(response);
      }
      endIfIdle(connection);
    });
    // Reads the call synchronously; the handler's answer is written through `output` later.
    onConnection(connection.gone.signal, () => {
      processor.process(new TBinaryProtocol(new TFramedTransport(frame)), new TBinaryProtocol(output));
    });
  };

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const connection: Connection = { socket, gone: new AbortController(), inFlight: 0, closing: stopping };
    connections.add(connection);
    const receive = frameReader(maxFrameBytes, (frame) => {
      serve(connection, frame);
    });
    socket.on("data", (chunk) => {
      try {
        receive(chunk);
      } catch (error) {
        reportMalformed(error, socket.remoteAddress);
        socket.destroy();
      }
    });
    // A slow or silent client (half a frame, then nothing) must not hold a connection forever.
    socket.setTimeout(idleTimeoutMs, () => {
      if (connection.inFlight === 0) {
        socket.destroy();
      }
    });
    // The client has closed its side: answer what it already sent, then close ours.
    socket.on("end", () => {
      connection.closing = true;
      endIfIdle(connection);
    });
    socket.on("error", (error) => {
      logger.debug({ err: error }, "Thrift connection error");
    });
    socket.on("close", () => {
      connections.delete(connection);
      connection.gone.abort();
    });
    endIfIdle(connection);
  });

  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => {
    logger.error({ err: error }, "Thrift server error");
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  logger.info({ port }, "Thrift server listening");

  let stopped: Promise<boolean> | undefined;
  const stop = (timeoutMs: number): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      let forced = false;
      stopping = true;
      const timer = setTimeout(() => {
        logger.warn({ timeoutMs }, "in-flight calls did not finish in time; closing Thrift connections");
        forced = true;
        for (const connection of connections) {
          connection.socket.destroy();
        }
      }, timeoutMs);
      // Resolves once the listener is closed and every connection has ended.
      server.close(() => {
        clearTimeout(timer);
        resolve(forced);
      });
      for (const connection of connections) {
        connection.closing = true;
        endIfIdle(connection);
      }
    });

  return {
    port,
    protocol: "thrift",
    // No setServing: Thrift has no standard health service, readiness is the ops server's /readyz only.
    stop: (timeoutMs) => (stopped ??= stop(timeoutMs)),
  };
}

/**
 * Splits a byte stream into Thrift frames (a 4-byte big-endian length, then
 * the message) and calls onFrame for each complete one. Throws on a length
 * that is negative or above maxFrameBytes.
 */
export function frameReader(maxFrameBytes: number, onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  return (chunk) => {
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= 4) {
      let head = chunks[0] ?? Buffer.alloc(0);
      if (head.length < 4) {
        head = Buffer.concat(chunks);
        chunks = [head];
      }
      const size = head.readInt32BE(0);
      if (size < 0 || size > maxFrameBytes) {
        throw new Error(`frame of ${String(size)} bytes exceeds the limit of ${String(maxFrameBytes)}`);
      }
      if (buffered < 4 + size) {
        return;
      }
      const all = chunks.length === 1 ? head : Buffer.concat(chunks);
      const rest = all.subarray(4 + size);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      onFrame(all.subarray(4, 4 + size));
    }
  };
}
