// A typed client of the <%= peer.name %> service, which it finds through the registry:
// `import * as <%= peer.propertyName %> from "./clients/<%= peer.name %>.js"`, then `await <%= peer.propertyName %>.connect(registry)`.
// Its code is generated from thrift/<%= peer.snakeName %>.thrift, a copy of
// services/<%= peer.name %>/thrift/<%= peer.snakeName %>.thrift: copy it again when that one changes (calls that
// no longer fit then fail to type-check).
import * as Generated from "../generated/<%= peer.snakeName %>/v1/<%= peer.className %>Service.js";
import type { Registry } from "../registry/registry.js";
import { type ClientOptions, createClient as createRpcClient, type RpcClient, TRANSPORT } from "../rpc/client.js";
import { connectThroughRegistry } from "../rpc/contract.js";

/** The name the service registers under. */
export const SERVICE = "<%= peer.name %>";

/** The service's generated module: its Client and Processor. */
export function definition(): typeof Generated {
  return Generated;
}

/** A client of one instance ("host:port"). */
export function createClient(address: string, options: ClientOptions = {}): RpcClient {
  return createRpcClient(address, options, Generated);
}

/** A client that picks an instance from the registry for every call. */
export function connect(registry: Registry, options: ClientOptions = {}): Promise<RpcClient> {
  return connectThroughRegistry(registry, (address) => createClient(address, options), SERVICE, TRANSPORT);
}
