import { status } from "@grpc/grpc-js";

/**
 * What a failed call means, whatever the transport: the shared tests assert on this. "unavailable":
 * nothing was done, retry with backoff (UNAVAILABLE, or RESOURCE_EXHAUSTED: the server is full).
 */
export type RpcErrorKind = "invalid-argument" | "not-found" | "internal" | "unavailable" | "other";

/** Field names as the .proto spells them, as error messages name them. */
export const IDL_FIELDS = { pageSize: "page_size", pageToken: "page_token", requestId: "request_id" } as const;

export function rpcErrorKind(error: unknown): RpcErrorKind {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === status.INVALID_ARGUMENT) return "invalid-argument";
  if (code === status.NOT_FOUND) return "not-found";
  if (code === status.INTERNAL) return "internal";
  if (code === status.UNAVAILABLE || code === status.RESOURCE_EXHAUSTED) return "unavailable";
  return "other";
}

/** The message the server sent with a failed call: the status details. */
export function rpcErrorMessage(error: unknown): string {
  const details = (error as { details?: unknown } | undefined)?.details;
  if (typeof details === "string") return details;
  return error instanceof Error ? error.message : String(error);
}
