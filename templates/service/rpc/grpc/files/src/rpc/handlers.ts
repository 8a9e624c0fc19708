import { type handleUnaryCall, type sendUnaryData, type ServerUnaryCall, status } from "@grpc/grpc-js";

import { AbandonedError, NotFoundError, OverloadedError, UnavailableError, ValidationError } from "../items/errors.js";
import type { Item } from "../items/items-repository.js";
import type { ItemsService } from "../items/items-service.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { callScope } from "./call-scope.js";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "./contract.js";
import type { Item as ProtoItem, ServiceHandlers } from "./definition.js";
import { isMalformed, malformation } from "./wire.js";

export interface HandlerDeps {
  readonly items: ItemsService;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The longest a call may run, whatever the caller's deadline. */
  readonly requestTimeoutMs?: number;
}

/** A status for the client: its code and a message safe to show. */
export interface RpcStatus {
  readonly code: status;
  readonly details: string;
}

/**
 * Maps service errors to gRPC status codes; anything unexpected is INTERNAL. UNAVAILABLE and
 * RESOURCE_EXHAUSTED are the codes standard retry policies retry (with backoff): nothing committed.
 */
export function toRpcStatus(error: unknown): RpcStatus {
  if (error instanceof ValidationError) {
    return { code: status.INVALID_ARGUMENT, details: error.message };
  }
  if (error instanceof NotFoundError) {
    return { code: status.NOT_FOUND, details: error.message };
  }
  if (error instanceof UnavailableError || error instanceof OverloadedError) {
    const code = error instanceof UnavailableError ? status.UNAVAILABLE : status.RESOURCE_EXHAUSTED;
    return { code, details: error.message };
  }
  if (error instanceof AbandonedError) {
    return { code: error.reason === "deadline" ? status.DEADLINE_EXCEEDED : status.CANCELLED, details: error.message };
  }
  return { code: status.INTERNAL, details: "internal error" };
}

export function toProtoItem(item: Item): ProtoItem {
  return { id: item.id, name: item.name, createdAt: item.createdAt.toISOString() };
}

export function createHandlers(deps: HandlerDeps): ServiceHandlers {
  const { items } = deps;
  return {
    CreateItem: unary(deps, "CreateItem", async (request, context) => ({
      item: toProtoItem(await items.createItem({ name: request.name, requestId: request.requestId }, context)),
    })),
    GetItem: unary(deps, "GetItem", async (request, context) => ({
      item: toProtoItem(await items.getItem({ id: request.id }, context)),
    })),
    ListItems: unary(deps, "ListItems", async (request, context) => {
      const page = await items.listItems({ pageSize: request.pageSize, pageToken: request.pageToken }, context);
      return { items: page.items.map(toProtoItem), nextPageToken: page.nextPageToken };
    }),
  };
}

/**
 * Adapts an async function to a unary handler with error mapping, logs and metrics. The function's
 * signal aborts at the caller's deadline or cancellation, so no work outlives the caller.
 */
function unary<Request, Response>(
  deps: HandlerDeps,
  method: string,
  handle: (request: Request, context: { readonly signal: AbortSignal }) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
    const startedAt = performance.now();
    const deadline = call.getDeadline();
    const scope = callScope(
      deadline instanceof Date ? deadline.getTime() : deadline,
      deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    );
    call.on("cancelled", () => {
      scope.cancel();
    });
    const finish = (code: status): void => {
      scope.end();
      deps.metrics.recordRpc(method, status[code], startedAt);
    };
    // withStrictDecoding (server.ts) hands over a request that was not well-formed protobuf like this.
    const request: unknown = call.request;
    if (isMalformed(request)) {
      finish(status.INVALID_ARGUMENT);
      callback({
        code: status.INVALID_ARGUMENT,
        details: `request is not well-formed protobuf: ${malformation(request)}`,
      });
      return;
    }
    handle(call.request, { signal: scope.signal }).then(
      (response) => {
        // The caller has already been answered DEADLINE_EXCEEDED or CANCELLED: count what it saw.
        if (scope.signal.aborted) {
          finish(toRpcStatus(scope.signal.reason).code);
          return;
        }
        finish(status.OK);
        callback(null, response);
      },
      (error: unknown) => {
        const rpcStatus = toRpcStatus(error);
        if (rpcStatus.code === status.INTERNAL) {
          deps.logger.error({ err: error, method }, "request failed");
        }
        finish(rpcStatus.code);
        callback(rpcStatus);
      },
    );
  };
}
