import { NotFoundError, ValidationError } from "../items/errors.js";
import type { Item } from "../items/items-repository.js";
import type { ItemsService } from "../items/items-service.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import {
  InternalError,
  InvalidArgument,
  Item as ThriftItem,
  ListItemsResponse,
  NotFound,
  type Service,
} from "./definition.js";

export interface HandlerDeps {
  readonly items: ItemsService;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** The `code` label of the RPC metrics, named like gRPC status codes so dashboards work for both. */
export type RpcCode = "OK" | "INVALID_ARGUMENT" | "NOT_FOUND" | "INTERNAL";

/** A failed call: its metrics code and the declared Thrift exception the client receives. */
export interface RpcFailure {
  readonly code: Exclude<RpcCode, "OK">;
  readonly exception: InvalidArgument | NotFound | InternalError;
}

/** Maps service errors to declared exceptions; anything unexpected is an InternalError without details. */
export function toRpcFailure(error: unknown): RpcFailure {
  if (error instanceof ValidationError) {
    return { code: "INVALID_ARGUMENT", exception: new InvalidArgument({ message: error.message }) };
  }
  if (error instanceof NotFoundError) {
    return { code: "NOT_FOUND", exception: new NotFound({ message: error.message }) };
  }
  return { code: "INTERNAL", exception: new InternalError({ message: "internal error" }) };
}

export function toThriftItem(item: Item): ThriftItem {
  return new ThriftItem({ id: item.id, name: item.name, createdAt: item.createdAt.toISOString() });
}

/**
 * The service's handlers for the generated Processor. Each one is async and
 * never throws anything but a declared exception, so no call can take the
 * server down.
 */
export function createHandlers(deps: HandlerDeps): Service.IHandler {
  const { items } = deps;
  return {
    CreateItem: (request) =>
      handle(deps, "CreateItem", async () => toThriftItem(await items.createItem({ name: request.name ?? "" }))),
    GetItem: (request) =>
      handle(deps, "GetItem", async () => toThriftItem(await items.getItem({ id: request.id ?? "" }))),
    ListItems: (request) =>
      handle(deps, "ListItems", async () => {
        const page = await items.listItems({ pageSize: request.pageSize ?? 0, pageToken: request.pageToken ?? "" });
        return new ListItemsResponse({ items: page.items.map(toThriftItem), nextPageToken: page.nextPageToken });
      }),
  };
}

/** Runs one call with error mapping, logs and metrics. */
async function handle<Response>(
  deps: HandlerDeps,
  method: keyof Service.IHandler,
  run: () => Promise<Response>,
): Promise<Response> {
  const endTimer = deps.metrics.rpcDuration.startTimer({ method });
  const finish = (code: RpcCode): void => {
    const labels = { method, code };
    deps.metrics.rpcRequests.inc(labels);
    endTimer(labels);
  };
  try {
    const response = await run();
    finish("OK");
    return response;
  } catch (error) {
    const failure = toRpcFailure(error);
    if (failure.code === "INTERNAL") {
      deps.logger.error({ err: error, method }, "request failed");
    }
    finish(failure.code);
    // Declared Thrift exceptions are plain structs, not Errors: the Processor sends them to the client.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw failure.exception;
  }
}
