import { fileURLToPath } from "node:url";

import { loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync, type Options } from "@grpc/proto-loader";

import type { ProtoGrpcType } from "../generated/<%= service.snakeName %>.js";

/** The service's proto/ folder (same relative path from src/ and dist/). */
export const PROTO_DIR = fileURLToPath(new URL("../../proto/", import.meta.url));

/** Must match the flags in scripts/codegen.mjs, which generated the types. */
export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let loaded: ProtoGrpcType | undefined;

/** The <%= service.snakeName %>.proto package, loaded once at runtime by @grpc/proto-loader. */
export function load<%= service.className %>Proto(): ProtoGrpcType {
  // proto-loader returns an untyped object; the generated types describe it.
  loaded ??= loadPackageDefinition(loadSync("<%= service.snakeName %>.proto", LOADER_OPTIONS)) as unknown as ProtoGrpcType;
  return loaded;
}
