import { createServer, type Socket } from "node:net";

import { TBinaryProtocol, TFramedTransport } from "thrift";

import type { RpcServer, RpcServerOptions } from "./contract.js";
import { Service } from "./definition.js";
import { createHandlers } from "./handlers.js";

export type { RpcServer, RpcServerOptions } from "./contract.js";

/** Thrift-only option on top of the shared contract. */
export interface ThriftServerOptions extends RpcServerOptions {
  /** Largest request frame accepted; a bigger one closes the connection. */
  readonly maxFrameBytes?: number;
}

/** Thrift's usual default frame limit (16 MB). */
const DEFAULT_MAX_FRAME_BYTES = 16_384_000;

/** One client connection: its socket and the calls received on it but not answered yet. */
interface Connection {
  readonly socket: Socket;
  inFlight: number;
  /** No new calls are taken (the server is stopping or the client has half-closed); ends once idle. */
  closing: boolean;
}

/**
 * Thrift over TCP, framed transport, binary protocol: what the Apache
 * `createServer` speaks, plus what it lacks: a frame size limit, per-connection
 * bookkeeping so stop() can drain in-flight calls, and no 'error' event that
 * could crash the process.
 */
export async function startRpcServer(
  options: ThriftServerOptions,
  // Another service's generated module serves the same calls as that service (for tests of src/clients/).
  service: Pick<typeof Service, "Processor"> = Service,
): Promise<RpcServer> {
  const { logger } = options;
  const processor = new service.Processor(createHandlers(options));
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const connections = new Set<Connection>();
  let stopping = false;

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
    processor.process(new TBinaryProtocol(new TFramedTransport(frame)), new TBinaryProtocol(output));
  };

  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const connection: Connection = { socket, inFlight: 0, closing: stopping };
    connections.add(connection);
    const receive = frameReader(maxFrameBytes, (frame) => {
      serve(connection, frame);
    });
    socket.on("data", (chunk) => {
      try {
        receive(chunk);
      } catch (error) {
        logger.warn({ err: error, remote: socket.remoteAddress }, "malformed Thrift request; closing the connection");
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
    });
    endIfIdle(connection);
  });

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

  let stopped: Promise<void> | undefined;
  const stop = (timeoutMs: number): Promise<void> =>
    new Promise<void>((resolve) => {
      stopping = true;
      const timer = setTimeout(() => {
        logger.warn({ timeoutMs }, "in-flight calls did not finish in time; closing Thrift connections");
        for (const connection of connections) {
          connection.socket.destroy();
        }
      }, timeoutMs);
      // Resolves once the listener is closed and every connection has ended.
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const connection of connections) {
        connection.closing = true;
        endIfIdle(connection);
      }
    });

  return {
    port,
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
