import { type CallOptions, credentials, type requestCallback, type ServiceError, status } from "@grpc/grpc-js";

import { SERVICE_NAME } from "../config.js";
import type { Registry } from "../registry/registry.js";
import { type ClientOptions, connectThroughRegistry, type RpcClient, type Transport } from "./contract.js";
import {
  type Item__Output as Item,
  type ListItemsResponse__Output as ListItemsResponse,
  loadService,
  type ServiceClient,
  type ServiceConstructor,
} from "./definition.js";

export { type ClientOptions, NoInstanceError, type RpcClient } from "./contract.js";

// Failed calls reject with a gRPC ServiceError (see test/rpc-errors.ts for what its code means).

/** gRPC as connectThroughRegistry sees it: UNAVAILABLE is the code of a call not delivered or not taken. */
export const TRANSPORT: Transport = {
  protocol: "grpc",
  isUnavailable: (error) => (error as Partial<ServiceError> | undefined)?.code === status.UNAVAILABLE,
};

/** A client for one address ("host:port"), of this service unless another one's is given (src/clients/). */
export function createClient(
  address: string,
  options: ClientOptions = {},
  service: ServiceConstructor = loadService(),
): RpcClient {
  const deadlineMs = options.deadlineMs ?? 5_000;
  const client: ServiceClient = new service(address, credentials.createInsecure());
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

/** A client that picks an instance from the registry for every call (see connectThroughRegistry). */
export function connectClient(registry: Registry, options: ClientOptions = {}): Promise<RpcClient> {
  return connectThroughRegistry(registry, (address) => createClient(address, options), SERVICE_NAME, TRANSPORT);
}

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
