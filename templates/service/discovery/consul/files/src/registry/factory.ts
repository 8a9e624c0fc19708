import { z } from "zod";

import { required } from "../env.js";
import type { Logger } from "../logger.js";
import { ConsulRegistry } from "./consul.js";
import type { Registry } from "./registry.js";

const ADDRESS = "an http(s) URL or host:port";

/**
 * The registry's environment variables, named as Consul's own CLI names them; src/config.ts
 * validates them with the rest. CONSUL_HTTP_ADDR may omit the scheme (`127.0.0.1:8500`): http.
 */
export const registryEnv = z.object({
  CONSUL_HTTP_ADDR: z
    .string({ error: required(ADDRESS) })
    .transform((value) => (value.includes("://") ? value.trim() : `http://${value.trim()}`))
    .pipe(z.url({ protocol: /^https?$/, error: `must be ${ADDRESS}` }))
    .transform((value) => value.replace(/\/+$/, "")),
  CONSUL_HTTP_TOKEN: z.string().optional(),
  CONSUL_SERVICE_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]*$/, { error: "must be lowercase letters, digits and dashes" })
    .default(""),
});

/** How to reach the local Consul agent. */
export interface RegistryConnection {
  /** Base URL, e.g. http://127.0.0.1:8500. */
  readonly address: string;
  /** ACL token, sent as X-Consul-Token; undefined when ACLs are off. */
  readonly token: string | undefined;
  /** Put before the service name in the catalog and in KV; "" by default. */
  readonly servicePrefix: string;
}

export function registryConnection(vars: z.output<typeof registryEnv>): RegistryConnection {
  return { address: vars.CONSUL_HTTP_ADDR, token: vars.CONSUL_HTTP_TOKEN, servicePrefix: vars.CONSUL_SERVICE_PREFIX };
}

/** Where the registry is, for messages (the address only, never the token). */
export const describeRegistry = (connection: RegistryConnection): string => `consul at ${connection.address}`;

export interface RegistryOptions {
  /** TTL of the health check: a crashed instance turns critical after at most this long. */
  readonly ttlSeconds: number;
  readonly logger: Logger;
}

export function createRegistry(connection: RegistryConnection, options: RegistryOptions): Registry {
  return new ConsulRegistry({ ...connection, ttlSeconds: options.ttlSeconds, logger: options.logger });
}
