import { createClient as createThriftClient, createConnection, TBinaryProtocol, TFramedTransport } from "thrift";

import { SERVICE_NAME } from "../config.js";
import type { Registry } from "../registry/registry.js";
import { type ClientOptions, connectThroughRegistry, type Item, type RpcClient, type Transport } from "./contract.js";
import { CreateItemRequest, GetItemRequest, ListItemsRequest, Service, Unavailable } from "./definition.js";

export { type ClientOptions, type Item, type ListItemsResponse, NoInstanceError, type RpcClient } from "./contract.js";

// Failed calls reject with a declared exception (InvalidArgument, NotFound, InternalError, Unavailable
// from ./definition.js), UnavailableError, DeadlineExceededError, or a Thrift TApplicationException.
// close(): new calls fail at once; calls in flight may finish, then the connection closes. A call past its
// deadline closes its connection, so that the server stops working on it (Thrift has no cancel message).

/** The call could not be delivered or answered: connection refused, reset or closed, or the client is closed. */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
}

/** No answer within the deadline; the server may still process the call. */
export class DeadlineExceededError extends Error {
  override readonly name = "DeadlineExceededError";
}

/**
 * Thrift as connectThroughRegistry sees it: the connection failed or closed (UnavailableError), or
 * the server answered the declared Unavailable (nothing stored; another instance may take it).
 */
export const TRANSPORT: Transport = {
  protocol: "thrift",
  isUnavailable: (error) => error instanceof UnavailableError || error instanceof Unavailable,
};

/** What a client needs of a generated service module: its Client class. */
export type ServiceModule = Pick<typeof Service, "Client">;

/** One TCP connection and the calls waiting for an answer on it. */
interface Session {
  readonly client: Service.Client;
  readonly end: () => void;
  /** Closes the connection at once: how a caller tells the server it gave up (Thrift has no cancel). */
  readonly abandon: () => void;
  /** Rejects every call in flight on this connection. */
  readonly failures: Set<(error: Error) => void>;
  readonly closed: Promise<void>;
}

/**
 * A client for one address ("host:port"), of this service unless another one's module is given
 * (src/clients/); connects on first use and again after losing the connection.
 */
export function createClient(
  address: string,
  options: ClientOptions = {},
  service: ServiceModule = Service,
): RpcClient {
  const deadlineMs = options.deadlineMs ?? 5_000;
  const { host, port } = parseAddress(address);
  let session: Session | undefined;
  let closing = false;

  const connect = (): Session => {
    const connection = createConnection(host, port, { transport: TFramedTransport, protocol: TBinaryProtocol });
    let lastError: Error | undefined;
    let markClosed: () => void = () => undefined;
    const current: Session = {
      client: createThriftClient(service.Client, connection),
      end: () => {
        connection.end();
      },
      // A reset, not a FIN: the server takes a FIN for a client that still waits for its answers.
      abandon: () => {
        connection.connection.resetAndDestroy();
      },
      failures: new Set(),
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
    };
    // Without a listener, an 'error' event would be thrown; the 'close' that follows fails the calls.
    connection.on("error", (error: Error) => {
      lastError = error;
      connection.destroy();
    });
    connection.on("close", () => {
      if (session === current) {
        session = undefined;
      }
      const reason = lastError === undefined ? "connection closed" : lastError.message;
      for (const fail of current.failures) {
        fail(new UnavailableError(`${address}: ${reason}`));
      }
      current.failures.clear();
      markClosed();
    });
    return current;
  };

  const call = async <T>(invoke: (client: Service.Client) => Promise<T>): Promise<T> => {
    if (closing) {
      throw new UnavailableError(`${address}: client is closed`);
    }
    const current = (session ??= connect());
    let fail: (error: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const timer = setTimeout(() => {
      fail(new DeadlineExceededError(`${address}: no answer within ${String(deadlineMs)} ms`));
      // The server abandons the work of a closed connection; its other calls fail UnavailableError.
      current.abandon();
    }, deadlineMs);
    current.failures.add(fail);
    try {
      return await Promise.race([invoke(current.client), failed]);
    } finally {
      clearTimeout(timer);
      current.failures.delete(fail);
      if (closing && current.failures.size === 0) {
        current.end();
      }
    }
  };

  return {
    createItem: async (request) => toItem(await call((client) => client.CreateItem(new CreateItemRequest(request)))),
    getItem: async (request) => toItem(await call((client) => client.GetItem(new GetItemRequest(request)))),
    listItems: async (request) => {
      const response = await call((client) => client.ListItems(new ListItemsRequest(request)));
      return { items: response.items.map(toItem), nextPageToken: response.nextPageToken };
    },
    close: async () => {
      closing = true;
      const current = session;
      if (current !== undefined) {
        if (current.failures.size === 0) {
          current.end();
        }
        await current.closed;
      }
    },
  };
}

/** A client that picks an instance from the registry for every call (see connectThroughRegistry). */
export function connectClient(registry: Registry, options: ClientOptions = {}): Promise<RpcClient> {
  return connectThroughRegistry(registry, (address) => createClient(address, options), SERVICE_NAME, TRANSPORT);
}

/** "host:port" or "[ipv6]:port". */
function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^[\]]+?)\]?:(\d+)$/.exec(address);
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`invalid address "${address}": expected host:port`);
  }
  return { host: match[1], port };
}

const toItem = ({ id, name, createdAt }: Item): Item => ({ id, name, createdAt });
