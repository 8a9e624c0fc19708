// The generated code the rest of the service uses, under names that do not depend on the service.
// scripts/codegen.mjs writes it from thrift/<%= service.snakeName %>.thrift into src/generated/.

/** The service module: `Client`, `Processor` and the handler interface `IHandler`. */
export * as Service from "../generated/<%= service.snakeName %>/v1/<%= service.className %>Service.js";

export {
  CreateItemRequest,
  GetItemRequest,
  InternalError,
  InvalidArgument,
  Item,
  ListItemsRequest,
  ListItemsResponse,
  NotFound,
  type IItemArgs,
} from "../generated/<%= service.snakeName %>/v1/index.js";
