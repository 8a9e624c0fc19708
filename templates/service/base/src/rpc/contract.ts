import { randomUUID } from "node:crypto";

import type { ItemsService } from "../items/items-service.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { type Registry, type ServiceInstance, speaks } from "../registry/registry.js";
import type { RpcSettings } from "./settings.js";

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
  /** The longest a call may run, whatever the caller's deadline (default DEFAULT_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  /** The transport's own limits (src/rpc/settings.ts; default DEFAULT_RPC_SETTINGS). */
  readonly settings?: RpcSettings;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface RpcServer {
  /** The bound port. */
  readonly port: number;
  /** What it speaks, as registered: "grpc" or "thrift". */
  readonly protocol: string;
  /** Tells the transport's own health check (gRPC's health service) whether the instance is ready; absent without one. */
  setServing?(serving: boolean): void;
  /** Stops accepting calls, waits for in-flight ones, forces after timeoutMs; true when it had to force. */
  stop(timeoutMs: number): Promise<boolean>;
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
  /** Give `requestId` (a UUID) to make retries of the same create safe; the registry client always does. */
  createItem(request: { readonly name: string; readonly requestId?: string }): Promise<Item>;
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

/** What connectThroughRegistry needs to know of the transport (src/rpc/client.ts exports it). */
export interface Transport {
  readonly protocol: string;
  /** The call was not delivered or not taken (connection refused or closed, the server going away). */
  isUnavailable(error: unknown): boolean;
}

/** Tries of one call, each on the next instance, while the failure is isUnavailable. */
export const ATTEMPTS = 3;

/**
 * A client that picks an instance of `service` (this one unless another is named: see src/clients/)
 * from the registry for every call (round robin over a watched list of instances speaking the
 * transport's protocol) and keeps one connection per instance. A call that fails unavailable is
 * tried again on the next instance (ATTEMPTS in all): that is what lets an instance shut down
 * while clients still see it listed. Creates get a requestId first, so a retry never duplicates.
 */
export async function connectThroughRegistry(
  registry: Registry,
  createClient: (address: string) => RpcClient,
  service: string,
  transport: Transport,
): Promise<RpcClient> {
  const watch = await registry.watch(service);
  const clients = new Map<string, RpcClient>();
  let next = 0;

  /** The next instance in turn, skipping those this call has already tried while others are listed. */
  const pick = (tried: Set<string>): { address: string; client: RpcClient } => {
    const instances = watch.instances().filter((instance) => speaks(instance, transport.protocol));
    const live = new Set(instances.map(addressOf));
    for (const [address, client] of clients) {
      if (!live.has(address)) {
        clients.delete(address);
        void client.close();
      }
    }
    const untried = instances.filter((instance) => !tried.has(addressOf(instance)));
    const choices = untried.length > 0 ? untried : instances;
    const instance = choices[next % Math.max(choices.length, 1)];
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
    return { address, client };
  };

  const viaInstance = async <T>(use: (client: RpcClient) => Promise<T>): Promise<T> => {
    const tried = new Set<string>();
    for (let attempt = 1; ; attempt += 1) {
      try {
        // pick() may throw: run it inside a promise so callers always get a rejection.
        return await new Promise<T>((resolve) => {
          const { address, client } = pick(tried);
          tried.add(address);
          resolve(use(client));
        });
      } catch (error) {
        if (attempt >= ATTEMPTS || !transport.isUnavailable(error)) {
          throw error;
        }
      }
    }
  };

  return {
    createItem: (request) => {
      const withId = { ...request, requestId: request.requestId ?? randomUUID() };
      return viaInstance((client) => client.createItem(withId));
    },
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
