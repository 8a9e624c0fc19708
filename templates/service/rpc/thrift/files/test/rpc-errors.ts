import { UnavailableError } from "../src/rpc/client.js";
import { InternalError, InvalidArgument, NotFound, Unavailable } from "../src/rpc/definition.js";

/**
 * What a failed call means, whatever the transport: the shared tests assert on this. "unavailable":
 * nothing was done, retry with backoff (the connection failed, or the declared Unavailable).
 */
export type RpcErrorKind = "invalid-argument" | "not-found" | "internal" | "unavailable" | "other";

/** Field names as the .thrift IDL spells them, as error messages name them. */
export const IDL_FIELDS = { pageSize: "pageSize", pageToken: "pageToken", requestId: "requestId" } as const;

export function rpcErrorKind(error: unknown): RpcErrorKind {
  if (error instanceof InvalidArgument) return "invalid-argument";
  if (error instanceof NotFound) return "not-found";
  if (error instanceof InternalError) return "internal";
  if (error instanceof UnavailableError || error instanceof Unavailable) return "unavailable";
  return "other";
}

/** The message the server sent with a failed call: the declared exception's message field. */
export function rpcErrorMessage(error: unknown): string {
  if (
    error instanceof InvalidArgument ||
    error instanceof NotFound ||
    error instanceof InternalError ||
    error instanceof Unavailable
  ) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
