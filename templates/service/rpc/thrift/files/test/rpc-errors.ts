import { UnavailableError } from "../src/rpc/client.js";
import { InternalError, InvalidArgument, NotFound } from "../src/rpc/definition.js";

/** What a failed call means, whatever the transport: the shared tests assert on this. */
export type RpcErrorKind = "invalid-argument" | "not-found" | "internal" | "unavailable" | "other";

export function rpcErrorKind(error: unknown): RpcErrorKind {
  if (error instanceof InvalidArgument) return "invalid-argument";
  if (error instanceof NotFound) return "not-found";
  if (error instanceof InternalError) return "internal";
  if (error instanceof UnavailableError) return "unavailable";
  return "other";
}

/** The message the server sent with a failed call: the declared exception's message field. */
export function rpcErrorMessage(error: unknown): string {
  if (error instanceof InvalidArgument || error instanceof NotFound || error instanceof InternalError) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
