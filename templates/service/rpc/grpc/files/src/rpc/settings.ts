import { z } from "zod";

import { integer } from "../env.js";

/** Limits of the gRPC server (src/rpc/server.ts); src/config.ts reads them with the rest. */
export interface RpcSettings {
  /** Largest request message accepted; a bigger one is answered RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes: number;
  /** Serve gRPC server reflection (grpcurl without the .proto); off unless asked for. */
  readonly reflection: boolean;
}

/** The default: far above any request of this API (a name is at most 200 characters), below grpc-js's 4 MB. */
export const DEFAULT_RPC_SETTINGS: RpcSettings = {
  maxReceiveMessageBytes: 1_048_576,
  reflection: false,
};

/** The gRPC server's environment variables. */
export const rpcEnv = z.object({
  GRPC_MAX_RECEIVE_MESSAGE_BYTES: integer(1_024, 67_108_864, DEFAULT_RPC_SETTINGS.maxReceiveMessageBytes),
  GRPC_REFLECTION: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
});

export function rpcSettings(vars: z.output<typeof rpcEnv>): RpcSettings {
  return {
    maxReceiveMessageBytes: vars.GRPC_MAX_RECEIVE_MESSAGE_BYTES,
    reflection: vars.GRPC_REFLECTION === "true",
  };
}
