import { credentials, type CallOptions, type requestCallback, type ServiceError } from "@grpc/grpc-js";

import { SERVICE_NAME } from "../config.js";
import type { Registry, ServiceInstance } from "../registry/registry.js";
import {
  loadService,
  type Item__Output as Item,
  type ListItemsResponse__Output as ListItemsResponse,
  type ServiceClient,
} from "./definition.js";

export type { Item, ListItemsResponse };

/** Promise-based client of the service; failed calls reject with a gRPC ServiceError. */
export interface RpcClient {
  createItem(request: { readonly name: string }): Promise<Item>;
  getItem(request: { readonly id: string }): Promise<Item>;
  listItems(request: { readonly pageSize?: number; readonly pageToken?: string }): Promise<ListItemsResponse>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Per-call deadline. */
  readonly deadlineMs?: number;
}

/** Thrown when the registry knows no instance of the service. */
export class NoInstanceError extends Error {
  override readonly name = "NoInstanceError";
}

/** A client for one address ("host:port"). */
export function createClient(address: string, options: ClientOptions = {}): RpcClient {
  const deadlineMs = options.deadlineMs ?? 5_000;
  const Client = loadService();
  const client: ServiceClient = new Client(address, credentials.createInsecure());
  const callOptions = (): CallOptions => ({ deadline: Date.now() + deadlineMs });

  return {
    createItem: async (request) =>
      requireItem(await call<{ item: Item | null }>((done) => client.createItem(request, callOptions(), done))),
    getItem: async (request) =>
      requireItem(await call<{ item: Item | null }>((done) => client.getItem(request, callOptions(), done))),
    listItems: (request) => call<ListItemsResponse>((done) => client.listItems(request, callOptions(), done)),
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}

/**
 * A client that picks an instance from the registry for every call (round
 * robin over a watched list) and keeps one connection per instance.
 */
export async function connectClient(registry: Registry, options: ClientOptions = {}): Promise<RpcClient> {
  const watch = await registry.watch(SERVICE_NAME);
  const clients = new Map<string, RpcClient>();
  let next = 0;

  const pick = (): RpcClient => {
    const instances = watch.instances();
    const live = new Set(instances.map(addressOf));
    for (const [address, client] of clients) {
      if (!live.has(address)) {
        clients.delete(address);
        void client.close();
      }
    }
    const instance = instances[next % Math.max(instances.length, 1)];
    next += 1;
    if (instance === undefined) {
      throw new NoInstanceError(`no ${SERVICE_NAME} instance is registered`);
    }
    const address = addressOf(instance);
    let client = clients.get(address);
    if (client === undefined) {
      client = createClient(address, options);
      clients.set(address, client);
    }
    return client;
  };

  // pick() may throw: run it inside a promise so callers always get a rejection.
  const viaInstance = <T>(use: (client: RpcClient) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve) => {
      resolve(use(pick()));
    });

  return {
    createItem: (request) => viaInstance((client) => client.createItem(request)),
    getItem: (request) => viaInstance((client) => client.getItem(request)),
    listItems: (request) => viaInstance((client) => client.listItems(request)),
    close: async () => {
      await watch.close();
      await Promise.all([...clients.values()].map((client) => client.close()));
      clients.clear();
    },
  };
}

const addressOf = (instance: ServiceInstance): string => `${instance.host}:${String(instance.port)}`;

function call<Response>(invoke: (done: requestCallback<Response>) => unknown): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    invoke((error: ServiceError | null, response?: Response) => {
      if (error !== null) {
        reject(error);
      } else if (response === undefined) {
        reject(new Error("empty response"));
      } else {
        resolve(response);
      }
    });
  });
}

function requireItem(response: { item: Item | null }): Item {
  if (response.item === null) {
    throw new Error("response has no item");
  }
  return response.item;
}
