import { Etcd3, type Lease } from "etcd3";

import type { Logger } from "../logger.js";
import {
  byId,
  decodeInstance,
  encodeInstance,
  type InstanceWatch,
  type Registry,
  type ServiceInstance,
} from "./registry.js";

/**
 * Instances live at <key prefix><service>/<instance id>, value = JSON {id, host, port}. The prefix is
 * /services/ unless ETCD_KEY_PREFIX says otherwise (the integration tests use one of their own).
 */
export const DEFAULT_KEY_PREFIX = "/services/";

export const serviceKeyPrefix = (service: string, keyPrefix = DEFAULT_KEY_PREFIX): string => `${keyPrefix}${service}/`;
export const instanceKey = (service: string, instanceId: string, keyPrefix = DEFAULT_KEY_PREFIX): string =>
  `${serviceKeyPrefix(service, keyPrefix)}${instanceId}`;

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

export interface EtcdRegistryOptions {
  readonly endpoints: readonly string[];
  /** Where instance keys live (default DEFAULT_KEY_PREFIX); starts and ends with `/`. */
  readonly keyPrefix?: string;
  /** Lease TTL: a crashed instance disappears after at most this long. */
  readonly ttlSeconds: number;
  readonly logger: Logger;
  /** Deadline of single etcd calls (not of watch or keep-alive streams). */
  readonly callTimeoutMs?: number;
}

/**
 * Registry on etcd: the instance key is attached to a lease kept alive in the
 * background. A failed keep-alive is transient (etcd3 retries); a lost lease
 * (etcd unreachable for 2 x TTL, or restarted without the lease) is replaced
 * by a new lease and the key is put again.
 */
export class EtcdRegistry implements Registry {
  private readonly client: Etcd3;
  private readonly logger: Logger;
  private readonly ttlSeconds: number;
  private readonly keyPrefix: string;
  private readonly watches = new Set<InstanceWatch>();
  private registration: { readonly key: string; readonly value: string } | undefined;
  private lease: Lease | undefined;
  private registered = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: EtcdRegistryOptions) {
    const callTimeoutMs = options.callTimeoutMs ?? 5_000;
    this.logger = options.logger;
    this.ttlSeconds = options.ttlSeconds;
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.client = new Etcd3({
      hosts: [...options.endpoints],
      dialTimeout: callTimeoutMs,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    });
  }

  async register(service: string, instance: ServiceInstance): Promise<void> {
    if (this.closed || this.registration !== undefined) {
      throw new Error("register() may be called once per open registry");
    }
    const registration = { key: instanceKey(service, instance.id, this.keyPrefix), value: encodeInstance(instance) };
    this.registration = registration;
    try {
      await this.announce();
    } catch (error) {
      this.registration = undefined;
      throw error;
    }
    this.logger.info({ key: registration.key, ttlSeconds: this.ttlSeconds }, "registered in etcd");
  }

  async deregister(): Promise<void> {
    const registration = this.registration;
    const lease = this.lease;
    this.registration = undefined;
    this.lease = undefined;
    this.registered = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (registration === undefined || lease === undefined) {
      return;
    }
    try {
      await lease.revoke();
      this.logger.info({ key: registration.key }, "deregistered from etcd");
    } catch (error) {
      this.logger.warn(
        { err: error, key: registration.key },
        "could not revoke the etcd lease; the key expires with it",
      );
    }
  }

  isRegistered(): boolean {
    return this.registered;
  }

  async resolve(service: string): Promise<ServiceInstance[]> {
    const values = await this.client.getAll().prefix(serviceKeyPrefix(service, this.keyPrefix)).strings();
    return decodeAll(values).sort(byId);
  }

  async watch(service: string): Promise<InstanceWatch> {
    const prefix = serviceKeyPrefix(service, this.keyPrefix);
    const instances = new Map<string, ServiceInstance>();
    // Watch first, then list: no change can fall between the two.
    const watcher = await this.client.watch().prefix(prefix).create();
    watcher.on("put", (kv) => {
      const instance = decodeInstance(kv.value.toString());
      if (instance === undefined) {
        instances.delete(kv.key.toString());
      } else {
        instances.set(kv.key.toString(), instance);
      }
    });
    watcher.on("delete", (kv) => {
      instances.delete(kv.key.toString());
    });
    watcher.on("error", (error) => {
      this.logger.warn({ err: error, prefix }, "etcd watch failed");
    });
    try {
      const values = await this.client.getAll().prefix(prefix).strings();
      for (const [key, value] of Object.entries(values)) {
        const instance = decodeInstance(value);
        if (instance !== undefined && !instances.has(key)) {
          instances.set(key, instance);
        }
      }
    } catch (error) {
      await watcher.cancel();
      throw error;
    }
    const handle: InstanceWatch = {
      instances: () => [...instances.values()].sort(byId),
      close: async () => {
        this.watches.delete(handle);
        // An open watcher keeps the process alive even after client.close().
        await watcher.cancel();
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
    this.client.close();
  }

  /** Grants a lease, attaches the key to it and starts keep-alive. */
  private async announce(): Promise<void> {
    const registration = this.registration;
    if (registration === undefined) {
      return;
    }
    const lease = this.client.lease(this.ttlSeconds);
    this.lease = lease;
    lease.on("lost", (error) => {
      this.onLeaseLost(lease, error);
    });
    // etcd3 retries a failed keep-alive every 100 ms: warn once per outage.
    let failing = false;
    lease.on("keepaliveFailed", (error) => {
      this.logger[failing ? "debug" : "warn"]({ err: error }, "etcd lease keep-alive failed; retrying");
      failing = true;
    });
    lease.on("keepaliveSucceeded", () => {
      if (failing) {
        failing = false;
        this.logger.info("etcd lease keep-alive recovered");
      }
    });
    try {
      await lease.put(registration.key).value(registration.value);
    } catch (error) {
      if (this.lease === lease) {
        this.lease = undefined;
      }
      lease.release();
      throw error;
    }
    if (this.lease === lease) {
      this.registered = true;
    }
  }

  private onLeaseLost(lease: Lease, error: Error): void {
    if (lease !== this.lease) {
      return; // an older lease, or deregistered
    }
    const wasRegistered = this.registered;
    this.lease = undefined;
    this.registered = false;
    // While announce() is still running, it reports the failure itself.
    if (wasRegistered && this.registration !== undefined) {
      this.logger.warn({ err: error }, "etcd lease lost; registering again");
      this.scheduleAnnounce(0);
    }
  }

  private scheduleAnnounce(attempt: number): void {
    if (this.registration === undefined || this.closed) {
      return;
    }
    const delay = Math.min(RETRY_MIN_MS * 2 ** attempt, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.announce().then(
        () => {
          if (this.registered) {
            this.logger.info({ key: this.registration?.key }, "registered in etcd again");
          }
        },
        (error: unknown) => {
          this.logger.warn({ err: error, attempt }, "etcd registration failed; retrying");
          this.scheduleAnnounce(attempt + 1);
        },
      );
    }, delay);
  }
}

function decodeAll(values: Record<string, string>): ServiceInstance[] {
  return Object.values(values)
    .map(decodeInstance)
    .filter((instance) => instance !== undefined);
}
