import { status } from "@grpc/grpc-js";

/** What a failed call means, whatever the transport: the integration tests assert on this. */
export type RpcErrorKind = "invalid-argument" | "not-found" | "unavailable" | "other";

export function rpcErrorKind(error: unknown): RpcErrorKind {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === status.INVALID_ARGUMENT) return "invalid-argument";
  if (code === status.NOT_FOUND) return "not-found";
  if (code === status.UNAVAILABLE) return "unavailable";
  return "other";
}
