// The generated code the rest of the service uses, under names that do not depend on the service.
// scripts/codegen.mjs writes it from thrift/<%= service.snakeName %>.thrift into src/generated/.

/** The service module: `Client`, `Processor` and the handler interface `IHandler`. */
export * as Service from "../generated/<%= service.snakeName %>/v1/<%= service.className %>Service.js";

// Structs and exceptions. A comment line starts a new group for simple-import-sort/exports, so these two
// re-exports keep this order whatever the service is called (the first path holds its class name).
export {
  CreateItemRequest,
  GetItemRequest,
  type IItemArgs,
  InternalError,
  InvalidArgument,
  Item,
  ListItemsRequest,
  ListItemsResponse,
  NotFound,
  Unavailable,
} from "../generated/<%= service.snakeName %>/v1/index.js";
