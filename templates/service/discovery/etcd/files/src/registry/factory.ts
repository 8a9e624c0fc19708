import { z } from "zod";

import { required } from "../env.js";
import type { Logger } from "../logger.js";
import { DEFAULT_KEY_PREFIX, EtcdRegistry } from "./etcd.js";
import type { Registry } from "./registry.js";

/** The registry's environment variables; src/config.ts validates them with the rest. */
export const registryEnv = z.object({
  ETCD_ENDPOINTS: z
    .string({ error: required("a comma-separated list of http(s) URLs") })
    .transform((value) =>
      value
        .split(",")
        .map((endpoint) => endpoint.trim())
        .filter((endpoint) => endpoint !== ""),
    )
    .pipe(
      z
        .array(z.url({ protocol: /^https?$/, error: "must contain only http(s) URLs" }))
        .min(1, { error: "must contain at least one URL" }),
    ),
  ETCD_KEY_PREFIX: z
    .string()
    .regex(/^\/(?:[^/]+\/)*$/, { error: "must start and end with / (e.g. /services/)" })
    .default(DEFAULT_KEY_PREFIX),
});

/** How to reach etcd, and where instances are registered. */
export interface RegistryConnection {
  readonly endpoints: readonly string[];
  readonly keyPrefix: string;
}

export function registryConnection(vars: z.output<typeof registryEnv>): RegistryConnection {
  return { endpoints: vars.ETCD_ENDPOINTS, keyPrefix: vars.ETCD_KEY_PREFIX };
}

/** Where the registry is, for messages (URLs only: etcd endpoints carry no secrets). */
export const describeRegistry = (connection: RegistryConnection): string => `etcd at ${connection.endpoints.join(",")}`;

export interface RegistryOptions {
  /** Lease TTL: a crashed instance disappears after at most this long. */
  readonly ttlSeconds: number;
  readonly logger: Logger;
}

export function createRegistry(connection: RegistryConnection, options: RegistryOptions): Registry {
  return new EtcdRegistry({ ...connection, ttlSeconds: options.ttlSeconds, logger: options.logger });
}
