// A typed client of the <%= peer.name %> service, which it finds through the registry:
// `import * as <%= peer.propertyName %> from "./clients/<%= peer.name %>.js"`, then `await <%= peer.propertyName %>.connect(registry)`.
// Its types come from proto/<%= peer.snakeName %>.proto, a copy of
// services/<%= peer.name %>/proto/<%= peer.snakeName %>.proto: copy it again when that one changes (calls that no
// longer fit then fail to type-check).
import { loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

import type { ProtoGrpcType } from "../generated/<%= peer.snakeName %>.js";
import type { Registry } from "../registry/registry.js";
import { type ClientOptions, createClient as createRpcClient, type RpcClient, TRANSPORT } from "../rpc/client.js";
import { connectThroughRegistry } from "../rpc/contract.js";
import { LOADER_OPTIONS, type ServiceConstructor } from "../rpc/definition.js";

/** The name the service registers under. */
export const SERVICE = "<%= peer.name %>";

const PROTO_FILE = "<%= peer.snakeName %>.proto";

let loaded: ServiceConstructor | undefined;

/** The service's definition, loaded once from its .proto. */
export function definition(): ServiceConstructor {
  if (loaded === undefined) {
    const proto = loadPackageDefinition(loadSync(PROTO_FILE, LOADER_OPTIONS)) as unknown as ProtoGrpcType;
    loaded = proto.<%= peer.snakeName %>.v1.<%= peer.className %>Service;
  }
  return loaded;
}

/** A client of one instance ("host:port"). */
export function createClient(address: string, options: ClientOptions = {}): RpcClient {
  return createRpcClient(address, options, definition());
}

/** A client that picks an instance from the registry for every call. */
export function connect(registry: Registry, options: ClientOptions = {}): Promise<RpcClient> {
  return connectThroughRegistry(registry, (address) => createClient(address, options), SERVICE, TRANSPORT);
}
