import { SERVICE_NAME } from "../config.js";
import type { ItemsService } from "../items/items-service.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { Registry, ServiceInstance } from "../registry/registry.js";

/**
 * What the rest of the service needs from the RPC layer, whatever the
 * transport: src/rpc/server.ts and src/rpc/client.ts implement it.
 */
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

export interface Item {
  readonly id: string;
  readonly name: string;
  /** ISO 8601, UTC, milliseconds. */
  readonly createdAt: string;
}

export interface ListItemsResponse {
  readonly items: Item[];
  /** Empty when there are no more items. */
  readonly nextPageToken: string;
}

/** Promise-based client of the service; test/rpc-errors.ts tells what a rejection means. */
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

/**
 * A client that picks an instance of `service` (this one unless another is named: see src/clients/)
 * from the registry for every call (round robin over a watched list) and keeps one connection per instance.
 */
export async function connectThroughRegistry(
  registry: Registry,
  createClient: (address: string) => RpcClient,
  service: string = SERVICE_NAME,
): Promise<RpcClient> {
  const watch = await registry.watch(service);
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
      throw new NoInstanceError(`no ${service} instance is registered`);
    }
    const address = addressOf(instance);
    let client = clients.get(address);
    if (client === undefined) {
      client = createClient(address);
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
