import { type handleUnaryCall, type sendUnaryData, type ServerUnaryCall, status } from "@grpc/grpc-js";

import { NotFoundError, ValidationError } from "../items/errors.js";
import type { Item } from "../items/items-repository.js";
import type { ItemsService } from "../items/items-service.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { Item as ProtoItem, ServiceHandlers } from "./definition.js";

export interface HandlerDeps {
  readonly items: ItemsService;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** A status for the client: its code and a message safe to show. */
export interface RpcStatus {
  readonly code: status;
  readonly details: string;
}

/** Maps service errors to gRPC status codes; anything unexpected is INTERNAL. */
export function toRpcStatus(error: unknown): RpcStatus {
  if (error instanceof ValidationError) {
    return { code: status.INVALID_ARGUMENT, details: error.message };
  }
  if (error instanceof NotFoundError) {
    return { code: status.NOT_FOUND, details: error.message };
  }
  return { code: status.INTERNAL, details: "internal error" };
}

export function toProtoItem(item: Item): ProtoItem {
  return { id: item.id, name: item.name, createdAt: item.createdAt.toISOString() };
}

export function createHandlers(deps: HandlerDeps): ServiceHandlers {
  const { items } = deps;
  return {
    CreateItem: unary(deps, "CreateItem", async (request) => ({
      item: toProtoItem(await items.createItem({ name: request.name })),
    })),
    GetItem: unary(deps, "GetItem", async (request) => ({
      item: toProtoItem(await items.getItem({ id: request.id })),
    })),
    ListItems: unary(deps, "ListItems", async (request) => {
      const page = await items.listItems({ pageSize: request.pageSize, pageToken: request.pageToken });
      return { items: page.items.map(toProtoItem), nextPageToken: page.nextPageToken };
    }),
  };
}

/** Adapts an async function to a unary handler with error mapping, logs and metrics. */
function unary<Request, Response>(
  deps: HandlerDeps,
  method: string,
  handle: (request: Request) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
    const endTimer = deps.metrics.rpcDuration.startTimer({ method });
    const finish = (code: status): void => {
      const labels = { method, code: status[code] };
      deps.metrics.rpcRequests.inc(labels);
      endTimer(labels);
    };
    handle(call.request).then(
      (response) => {
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
