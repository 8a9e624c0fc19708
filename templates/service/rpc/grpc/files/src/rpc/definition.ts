import { fileURLToPath } from "node:url";

import { type ChannelCredentials, type ChannelOptions, loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";

import type { ProtoGrpcType } from "../generated/<%= service.snakeName %>.js";
import type {
  <%= service.className %>ServiceClient as ServiceClient,
  <%= service.className %>ServiceDefinition as ServiceDefinition,
  <%= service.className %>ServiceHandlers as ServiceHandlers,
} from "../generated/<%= service.snakeName %>/v1/<%= service.className %>Service.js";

// The generated types the rest of the code uses, under names that do not depend on the service.
export type { Item, Item__Output } from "../generated/<%= service.snakeName %>/v1/Item.js";
export type { ListItemsResponse__Output } from "../generated/<%= service.snakeName %>/v1/ListItemsResponse.js";
export type { ServiceClient, ServiceDefinition, ServiceHandlers };

/** The service's proto/ folder (same relative path from src/ and dist/). */
export const PROTO_DIR = fileURLToPath(new URL("../../proto/", import.meta.url));

/** The file in PROTO_DIR that defines the service. */
export const PROTO_FILE = "<%= service.snakeName %>.proto";

/** Must match the flags in scripts/codegen.mjs, which generated the types. */
export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** The generated client class of the service; its `service` property is the definition servers add. */
export interface ServiceConstructor {
  new (address: string, credentials: ChannelCredentials, options?: ChannelOptions): ServiceClient;
  readonly service: ServiceDefinition;
}

let definition: PackageDefinition | undefined;
let loaded: ProtoGrpcType | undefined;

/** PROTO_FILE as @grpc/proto-loader describes it (what server reflection serves), loaded once. */
export function loadPackage(): PackageDefinition {
  definition ??= loadSync(PROTO_FILE, LOADER_OPTIONS);
  return definition;
}

/** The proto package of PROTO_FILE, loaded once at runtime by @grpc/proto-loader. */
export function loadProto(): ProtoGrpcType {
  // proto-loader returns an untyped object; the generated types describe it.
  loaded ??= loadPackageDefinition(loadPackage()) as unknown as ProtoGrpcType;
  return loaded;
}

/** The service, picked out of the loaded proto package. */
export function loadService(): ServiceConstructor {
  return loadProto().<%= service.snakeName %>.v1.<%= service.className %>Service;
}
