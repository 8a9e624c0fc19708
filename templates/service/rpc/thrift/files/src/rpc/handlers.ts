import { AbandonedError, NotFoundError, OverloadedError, UnavailableError, ValidationError } from "../items/errors.js";
import type { Item } from "../items/items-repository.js";
import type { ItemsService } from "../items/items-service.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { callScope } from "./call-scope.js";
import { callerConnection } from "./caller.js";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "./contract.js";
import {
  InternalError,
  InvalidArgument,
  Item as ThriftItem,
  ListItemsResponse,
  NotFound,
  type Service,
  Unavailable,
} from "./definition.js";

export interface HandlerDeps {
  readonly items: ItemsService;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The longest a call may run (Thrift carries no deadline of the caller's). */
  readonly requestTimeoutMs?: number;
}

/** The `code` label of the RPC metrics, named like gRPC status codes so dashboards work for both. */
export type RpcCode =
  | "OK"
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "RESOURCE_EXHAUSTED"
  | "DEADLINE_EXCEEDED"
  | "CANCELLED";

/** A failed call: its metrics code and the declared Thrift exception the client receives. */
export interface RpcFailure {
  readonly code: Exclude<RpcCode, "OK">;
  readonly exception: InvalidArgument | NotFound | InternalError | Unavailable;
}

/** The service's field names as the IDL spells them, for the messages of InvalidArgument. */
const IDL_FIELD_NAMES: Readonly<Record<string, string>> = {
  page_size: "pageSize",
  page_token: "pageToken",
  request_id: "requestId",
};

/**
 * Maps service errors to declared exceptions; anything unexpected is an InternalError without
 * details. Unavailable (outage, full queue, the server's time limit) means nothing was stored.
 */
export function toRpcFailure(error: unknown): RpcFailure {
  if (error instanceof ValidationError) {
    const message = `${IDL_FIELD_NAMES[error.field] ?? error.field} ${error.reason}`;
    return { code: "INVALID_ARGUMENT", exception: new InvalidArgument({ message }) };
  }
  if (error instanceof NotFoundError) {
    return { code: "NOT_FOUND", exception: new NotFound({ message: error.message }) };
  }
  if (error instanceof UnavailableError || error instanceof OverloadedError || error instanceof AbandonedError) {
    const code =
      error instanceof UnavailableError
        ? "UNAVAILABLE"
        : error instanceof OverloadedError
          ? "RESOURCE_EXHAUSTED"
          : error.reason === "deadline"
            ? "DEADLINE_EXCEEDED"
            : "CANCELLED";
    return { code, exception: new Unavailable({ message: error.message }) };
  }
  return { code: "INTERNAL", exception: new InternalError({ message: "internal error" }) };
}

/** The request struct, or InvalidArgument when the call left it out (the IDL cannot require it). */
function present<Request>(request: Request | null | undefined): Request {
  if (request === null || request === undefined) {
    throw new ValidationError("request", "is required");
  }
  return request;
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
      handle(deps, "CreateItem", async (context) => {
        const { name, requestId } = present(request);
        return toThriftItem(await items.createItem({ name: name ?? "", requestId: requestId ?? "" }, context));
      }),
    GetItem: (request) =>
      handle(deps, "GetItem", async (context) =>
        toThriftItem(await items.getItem({ id: present(request).id ?? "" }, context)),
      ),
    ListItems: (request) =>
      handle(deps, "ListItems", async (context) => {
        const { pageSize, pageToken } = present(request);
        const page = await items.listItems({ pageSize: pageSize ?? 0, pageToken: pageToken ?? "" }, context);
        return new ListItemsResponse({ items: page.items.map(toThriftItem), nextPageToken: page.nextPageToken });
      }),
  };
}

/** Runs one call with error mapping, logs and metrics. */
async function handle<Response>(
  deps: HandlerDeps,
  method: keyof Service.IHandler,
  run: (context: { readonly signal: AbortSignal }) => Promise<Response>,
): Promise<Response> {
  const startedAt = performance.now();
  const scope = callScope(Number.POSITIVE_INFINITY, deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  // The caller closed its connection (at its deadline, or gone): nothing is left to answer.
  const connection = callerConnection();
  const onGone = (): void => {
    scope.cancel();
  };
  if (connection?.aborted === true) {
    onGone();
  }
  connection?.addEventListener("abort", onGone, { once: true });
  const finish = (code: RpcCode): void => {
    scope.end();
    connection?.removeEventListener("abort", onGone);
    deps.metrics.recordRpc(method, code, startedAt);
  };
  try {
    const response = await run({ signal: scope.signal });
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
