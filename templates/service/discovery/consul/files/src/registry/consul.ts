import { setTimeout as sleep } from "node:timers/promises";

import { z } from "zod";

import type { Logger } from "../logger.js";
import { ConsulApiError, ConsulHttp, segment } from "./consul-http.js";
import { byId, type InstanceWatch, type Registry, type ServiceInstance } from "./registry.js";

/**
 * Registry on the local Consul agent (HTTP API, https://developer.hashicorp.com/consul/api-docs):
 * - register: PUT /v1/agent/service/register, service ID = instance id, with a TTL check
 *   `service:<instance id>` that starts passing and is kept passing (PUT /v1/agent/check/pass/:id)
 *   every third of the TTL. A crashed instance turns critical after the TTL and is removed by the
 *   agent after DEREGISTER_CRITICAL_AFTER.
 * - an agent that no longer knows the check (restarted without its data dir: 404 "Unknown check ID",
 *   or 500 "CheckID ... does not have associated TTL" on older agents) is answered by registering again.
 * - deregister: PUT /v1/agent/service/deregister/:id.
 * - resolve/watch: GET /v1/health/service/:name?passing=true, so only instances whose checks all pass;
 *   watch follows it with blocking queries (`index` + `wait`).
 * - options read once at registration from Consul KV under config/<service>/ (see registrationOverrides).
 * - servicePrefix (CONSUL_SERVICE_PREFIX) is put before the service's name in the catalog and in KV, so
 *   that the integration tests never meet the instances or settings of a development stack.
 */

/** Consul KV prefix of a service's optional registration settings. */
export const kvConfigPrefix = (service: string): string => `config/${service}/`;

/** ID of the TTL check of an instance (Consul's own default for a service's single check). */
export const checkId = (instanceId: string): string => `service:${instanceId}`;

/** Consul's minimum: a critical instance is deregistered by the agent after this. */
export const DEREGISTER_CRITICAL_AFTER = "1m";

const HEARTBEAT_MAX_MS = 5_000;
const CATALOG_SYNC_WAIT_MS = 2_000;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

export interface ConsulRegistryOptions {
  /** Base URL of the local agent, e.g. http://127.0.0.1:8500. */
  readonly address: string;
  /** ACL token, sent as X-Consul-Token. */
  readonly token?: string | undefined;
  /** Put before every service name in the catalog and in KV (default none). */
  readonly servicePrefix?: string;
  /** TTL of the health check: a crashed instance turns critical after at most this long. */
  readonly ttlSeconds: number;
  readonly logger: Logger;
  /** Deadline of single Consul calls (not of blocking queries). */
  readonly callTimeoutMs?: number;
  /** Longest wait of one blocking query (Consul adds up to 1/16 of it). */
  readonly watchWaitSeconds?: number;
  /** Rate limit of the watch loop: bursts of 3, then one round trip per this interval. */
  readonly watchMinIntervalMs?: number;
}

/** What Consul KV may add to the registration. */
export interface RegistrationOverrides {
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
}

interface Registration {
  readonly service: string;
  readonly instance: ServiceInstance;
  readonly definition: object;
}

export class ConsulRegistry implements Registry {
  private readonly http: ConsulHttp;
  private readonly logger: Logger;
  private readonly ttlSeconds: number;
  private readonly servicePrefix: string;
  private readonly callTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly watchWaitSeconds: number;
  private readonly watchMinIntervalMs: number;
  private readonly watches = new Set<InstanceWatch>();
  private registration: Registration | undefined;
  private registered = false;
  private lastPassAt = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeat: Promise<void> | undefined;
  private failing = false;
  private closed = false;

  constructor(options: ConsulRegistryOptions) {
    this.callTimeoutMs = options.callTimeoutMs ?? 5_000;
    this.http = new ConsulHttp({ address: options.address, token: options.token, timeoutMs: this.callTimeoutMs });
    this.logger = options.logger;
    this.ttlSeconds = options.ttlSeconds;
    this.servicePrefix = options.servicePrefix ?? "";
    this.heartbeatMs = Math.min((options.ttlSeconds * 1_000) / 3, HEARTBEAT_MAX_MS);
    this.watchWaitSeconds = options.watchWaitSeconds ?? 60;
    this.watchMinIntervalMs = options.watchMinIntervalMs ?? 1_000;
  }

  async register(service: string, instance: ServiceInstance): Promise<void> {
    if (this.closed || this.registration !== undefined) {
      throw new Error("register() may be called once per open registry");
    }
    const overrides = await this.readOverrides(this.servicePrefix + service);
    const definition = serviceDefinition(this.servicePrefix + service, instance, this.ttlSeconds, overrides);
    const registration = { service, instance, definition };
    this.registration = registration;
    try {
      await this.announce(registration);
    } catch (error) {
      this.registration = undefined;
      throw error;
    }
    await this.awaitCatalog(registration, true);
    this.logger.info({ serviceId: instance.id, ttlSeconds: this.ttlSeconds, ...overrides }, "registered in consul");
    this.scheduleHeartbeat();
  }

  async deregister(): Promise<void> {
    const registration = this.registration;
    this.registration = undefined;
    this.registered = false;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (registration === undefined) {
      return;
    }
    // A heartbeat in flight may be registering again: let it finish first.
    await this.heartbeat;
    const serviceId = registration.instance.id;
    try {
      await this.http.put(`/v1/agent/service/deregister/${segment(serviceId)}`, { accept: [404] });
      await this.awaitCatalog(registration, false);
      this.logger.info({ serviceId }, "deregistered from consul");
    } catch (error) {
      this.logger.warn(
        { err: error, serviceId },
        `could not deregister from consul; the agent removes the instance ${DEREGISTER_CRITICAL_AFTER} after its TTL`,
      );
    }
  }

  /** Registered, and the TTL check was updated within the TTL (so it is passing). */
  isRegistered(): boolean {
    return this.registered && performance.now() - this.lastPassAt < this.ttlSeconds * 1_000;
  }

  async resolve(service: string): Promise<ServiceInstance[]> {
    return (await this.health(service)).instances;
  }

  async watch(service: string): Promise<InstanceWatch> {
    const first = await this.health(service);
    let instances = first.instances;
    const controller = new AbortController();
    const following = this.follow(service, first.index, controller.signal, (next) => {
      instances = next;
    });
    const handle: InstanceWatch = {
      instances: () => instances,
      close: async () => {
        this.watches.delete(handle);
        controller.abort();
        await following;
      },
    };
    this.watches.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await Promise.all([...this.watches].map((watch) => watch.close()));
    await this.deregister();
  }

  private async readOverrides(service: string): Promise<RegistrationOverrides> {
    try {
      return registrationOverrides(await readServiceConfig(this.http, service), this.logger);
    } catch (error) {
      if (!(error instanceof ConsulApiError)) {
        throw error;
      }
      // e.g. 403: the token may not read KV. The overrides are optional.
      this.logger.warn({ err: error, prefix: kvConfigPrefix(service) }, "could not read consul KV; no overrides");
      return { tags: [], meta: {} };
    }
  }

  /**
   * The agent answers before it has synced the change to the catalog, which resolve() and watch()
   * read: wait (briefly, best effort) until the instance is listed as passing, or no longer is.
   */
  private async awaitCatalog(registration: Registration, listed: boolean): Promise<void> {
    const deadline = performance.now() + CATALOG_SYNC_WAIT_MS;
    for (;;) {
      try {
        const instances = await this.resolve(registration.service);
        if (instances.some((instance) => instance.id === registration.instance.id) === listed) {
          return;
        }
      } catch (error) {
        this.logger.debug({ err: error }, "could not read the consul catalog");
      }
      if (performance.now() > deadline) {
        this.logger.warn({ serviceId: registration.instance.id, listed }, "the consul catalog has not caught up yet");
        return;
      }
      await sleep(50);
    }
  }

  private async announce(registration: Registration): Promise<void> {
    await this.http.put("/v1/agent/service/register", {
      query: { "replace-existing-checks": "true" },
      body: registration.definition,
    });
    if (this.registration === registration) {
      this.registered = true;
      this.lastPassAt = performance.now();
    }
  }

  private scheduleHeartbeat(): void {
    clearTimeout(this.heartbeatTimer);
    if (this.registration === undefined || this.closed) {
      return;
    }
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      this.heartbeat = this.beat().finally(() => {
        this.heartbeat = undefined;
        this.scheduleHeartbeat();
      });
    }, this.heartbeatMs);
  }

  /** Keeps the TTL check passing; registers again when the agent has forgotten the instance. Never rejects. */
  private async beat(): Promise<void> {
    const registration = this.registration;
    if (registration === undefined) {
      return;
    }
    const serviceId = registration.instance.id;
    try {
      await this.http.put(`/v1/agent/check/pass/${segment(checkId(serviceId))}`);
      if (this.registration === registration) {
        this.registered = true;
        this.lastPassAt = performance.now();
      }
      if (this.failing) {
        this.failing = false;
        this.logger.info({ serviceId }, "consul TTL check updates recovered");
      }
    } catch (error) {
      if (this.registration !== registration) {
        return;
      }
      if (!isRegistrationLost(error)) {
        // Agent unreachable: retried at the next beat; the check turns critical if this lasts a TTL.
        this.logger[this.failing ? "debug" : "warn"]({ err: error, serviceId }, "consul TTL check update failed");
        this.failing = true;
        return;
      }
      this.registered = false;
      this.logger.warn({ err: error, serviceId }, "consul agent lost the registration; registering again");
      try {
        await this.announce(registration);
        this.failing = false;
        this.logger.info({ serviceId }, "registered in consul again");
      } catch (announceError) {
        this.logger.warn({ err: announceError, serviceId }, "consul registration failed; retrying");
      }
    }
  }

  private async health(
    service: string,
    blocking?: { readonly index: number; readonly signal: AbortSignal },
  ): Promise<{ instances: ServiceInstance[]; index: number | undefined }> {
    const query: Record<string, string> = { passing: "true" };
    let timeoutMs: number | undefined;
    if (blocking !== undefined && blocking.index > 0) {
      query.index = String(blocking.index);
      query.wait = `${String(this.watchWaitSeconds)}s`;
      timeoutMs = Math.ceil((this.watchWaitSeconds * 1_000 * 17) / 16) + this.callTimeoutMs;
    }
    const answer = await this.http.get(`/v1/health/service/${segment(this.servicePrefix + service)}`, {
      query,
      signal: blocking?.signal,
      timeoutMs,
    });
    return { instances: decodeHealth(answer.text), index: answer.index };
  }

  /** The blocking-query loop (https://developer.hashicorp.com/consul/api-docs/features/blocking). */
  private async follow(
    service: string,
    firstIndex: number | undefined,
    signal: AbortSignal,
    update: (instances: ServiceInstance[]) => void,
  ): Promise<void> {
    const limiter = new TokenBucket(3, this.watchMinIntervalMs);
    let index = nextIndex(0, firstIndex);
    let attempt = 0;
    while (!signal.aborted) {
      try {
        await limiter.take(signal);
        if (signal.aborted) {
          break;
        }
        const answer = await this.health(service, { index, signal });
        update(answer.instances);
        index = nextIndex(index, answer.index);
        if (attempt > 0) {
          this.logger.info({ watched: service }, "consul watch recovered");
          attempt = 0;
        }
      } catch (error) {
        if (signal.aborted) {
          break;
        }
        const level = attempt === 0 ? "warn" : "debug";
        this.logger[level]({ err: error, watched: service }, "consul watch failed; retrying");
        await pause(Math.min(RETRY_MIN_MS * 2 ** attempt, RETRY_MAX_MS), signal);
        attempt += 1;
        // The agent may have restarted with lower indexes: read without blocking first.
        index = 0;
      }
    }
  }
}

/** The body of PUT /v1/agent/service/register. */
export function serviceDefinition(
  service: string,
  instance: ServiceInstance,
  ttlSeconds: number,
  overrides: RegistrationOverrides,
): object {
  return {
    ID: instance.id,
    Name: service,
    Address: instance.host,
    Port: instance.port,
    Tags: [...overrides.tags],
    // The protocol travels in Meta, which the operators' KV entries cannot override.
    Meta: { ...overrides.meta, ...(instance.protocol === undefined ? {} : { protocol: instance.protocol }) },
    Check: {
      CheckID: checkId(instance.id),
      Name: "TTL heartbeat",
      TTL: `${String(ttlSeconds)}s`,
      Status: "passing",
      DeregisterCriticalServiceAfter: DEREGISTER_CRITICAL_AFTER,
    },
  };
}

/**
 * Blocking-query index rules: reset to 0 (a non-blocking read) when the index goes backwards or is
 * missing; otherwise never below 1, so the next query really blocks.
 */
export function nextIndex(previous: number, returned: number | undefined): number {
  if (returned === undefined || returned < previous) {
    return 0;
  }
  return Math.max(returned, 1);
}

/** The agent no longer has the check: 404 "Unknown check ID" (Consul 1.x), or 500 "... does not have associated TTL". */
export function isRegistrationLost(error: unknown): boolean {
  return (
    error instanceof ConsulApiError &&
    (error.status === 404 || (error.status === 500 && error.body.includes("does not have associated TTL")))
  );
}

const kvEntries = z.array(z.object({ Key: z.string(), Value: z.string().nullable() }));

/** Reads config/<service>/ from Consul KV (GET /v1/kv/...?recurse): key below the prefix -> UTF-8 value. */
export async function readServiceConfig(http: ConsulHttp, service: string): Promise<Record<string, string>> {
  const prefix = kvConfigPrefix(service);
  const answer = await http.get(`/v1/kv/${encodeURI(prefix)}`, { query: { recurse: "true" }, accept: [404] });
  if (answer.status === 404) {
    return {}; // no key under the prefix
  }
  const values: Record<string, string> = {};
  for (const entry of kvEntries.parse(JSON.parse(answer.text))) {
    if (entry.Key.startsWith(prefix) && entry.Key !== prefix) {
      values[entry.Key.slice(prefix.length)] = Buffer.from(entry.Value ?? "", "base64").toString("utf8");
    }
  }
  return values;
}

const META_KEY = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_META = 64;

/**
 * The registration settings a service reads from Consul KV at start:
 * - `config/<service>/tags`: comma-separated Consul tags of every instance (e.g. `v2,canary`);
 * - `config/<service>/meta/<key>`: service metadata `<key>` = value (keys of A-Z a-z 0-9 _ -, up to
 *   128 characters, not starting with `consul-`; values up to 512 characters; at most 64).
 * Other keys are ignored; invalid entries are skipped with a warning.
 */
export function registrationOverrides(values: Readonly<Record<string, string>>, logger: Logger): RegistrationOverrides {
  const tags = [
    ...new Set(
      (values.tags ?? "")
        .split(",")
        .map((tag) => tag.trim())
        .filter((tag) => tag !== ""),
    ),
  ];
  const meta: Record<string, string> = {};
  for (const [key, value] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!key.startsWith("meta/")) {
      continue;
    }
    const name = key.slice("meta/".length);
    const valid = META_KEY.test(name) && !name.startsWith("consul-") && value.length <= 512;
    if (!valid || Object.keys(meta).length >= MAX_META) {
      logger.warn({ key }, "ignoring an invalid service meta entry in consul KV");
      continue;
    }
    meta[name] = value;
  }
  return { tags, meta };
}

const healthEntry = z.object({
  Node: z.object({ Address: z.string() }).partial().optional(),
  Service: z.object({
    ID: z.string().min(1),
    Address: z.string(),
    Port: z.number().int().min(1).max(65535),
    Meta: z.record(z.string(), z.string()).nullish(),
  }),
});

/** Instances of a /v1/health/service answer, sorted by id; the node address stands in for an empty service address. */
export function decodeHealth(text: string): ServiceInstance[] {
  const entries = z.array(z.unknown()).parse(JSON.parse(text));
  const instances: ServiceInstance[] = [];
  for (const entry of entries) {
    const parsed = healthEntry.safeParse(entry);
    if (!parsed.success) {
      continue;
    }
    const { Node: node, Service: service } = parsed.data;
    const host = service.Address !== "" ? service.Address : (node?.Address ?? "");
    const protocol = service.Meta?.protocol;
    if (host !== "") {
      instances.push({ id: service.ID, host, port: service.Port, ...(protocol === undefined ? {} : { protocol }) });
    }
  }
  return instances.sort(byId);
}

/** Allows `burst` calls at once, then one per `intervalMs`. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly burst: number,
    private readonly intervalMs: number,
  ) {
    this.tokens = burst;
  }

  async take(signal: AbortSignal): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await pause((1 - this.tokens) * this.intervalMs, signal);
      this.refill();
    }
    this.tokens = Math.max(0, this.tokens - 1);
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
    this.last = now;
  }
}

/** Waits, or less when the signal aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks the signal
  }
}
