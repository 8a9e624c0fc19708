import { z } from "zod";

import { integer } from "../env.js";

/** Limits of the Thrift server (src/rpc/server.ts); src/config.ts reads them with the rest. */
export interface RpcSettings {
  /** Largest request frame accepted; a bigger one closes that connection. */
  readonly maxFrameBytes: number;
  /** A connection with no call in flight that sends nothing for this long is closed. */
  readonly idleTimeoutMs: number;
  /** Connections open at once; more are closed as soon as they are accepted. */
  readonly maxConnections: number;
}

/**
 * The defaults: a frame far above any request of this API (a name is at most 200 characters) and
 * far below Thrift's usual 16 MB, which let 20 connections hold 300 MB.
 */
export const DEFAULT_RPC_SETTINGS: RpcSettings = {
  maxFrameBytes: 1_048_576,
  idleTimeoutMs: 60_000,
  maxConnections: 1_000,
};

/** The Thrift server's environment variables. */
export const rpcEnv = z.object({
  THRIFT_MAX_FRAME_BYTES: integer(1_024, 16_384_000, DEFAULT_RPC_SETTINGS.maxFrameBytes),
  THRIFT_IDLE_TIMEOUT_MS: integer(100, 3_600_000, DEFAULT_RPC_SETTINGS.idleTimeoutMs),
  THRIFT_MAX_CONNECTIONS: integer(1, 100_000, DEFAULT_RPC_SETTINGS.maxConnections),
});

export function rpcSettings(vars: z.output<typeof rpcEnv>): RpcSettings {
  return {
    maxFrameBytes: vars.THRIFT_MAX_FRAME_BYTES,
    idleTimeoutMs: vars.THRIFT_IDLE_TIMEOUT_MS,
    maxConnections: vars.THRIFT_MAX_CONNECTIONS,
  };
}
