import { z } from "zod";

/** One running instance of a service, as other services reach it. */
export interface ServiceInstance {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /**
   * What the instance speaks ("grpc", "thrift"): clients skip instances of another protocol
   * registered under the same name. Absent in values of releases before 0.10.0.
   */
  readonly protocol?: string;
}

/** A live view of one service's instances, kept current by the registry. */
export interface InstanceWatch {
  /** Current instances, sorted by id. */
  instances(): readonly ServiceInstance[];
  close(): Promise<void>;
}

/**
 * Service discovery. The implementation (etcd.ts) is swapped per registry
 * choice; callers depend on this interface only.
 */
export interface Registry {
  /** Announces this instance until deregister() or close(); re-announces after losing the registry. */
  register(service: string, instance: ServiceInstance): Promise<void>;
  /** Withdraws the announcement at once. Idempotent. */
  deregister(): Promise<void>;
  /** true while the announcement is believed live (used by /readyz). */
  isRegistered(): boolean;
  /** Instances registered right now, sorted by id. */
  resolve(service: string): Promise<ServiceInstance[]>;
  watch(service: string): Promise<InstanceWatch>;
  /** Cancels watches, deregisters and closes the connection. */
  close(): Promise<void>;
}

const instanceSchema = z.object({
  id: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  protocol: z.string().min(1).optional(),
});

export function encodeInstance(instance: ServiceInstance): string {
  const { id, host, port, protocol } = instance;
  return JSON.stringify({ id, host, port, protocol });
}

/** Whether a client of `protocol` can call the instance (one registered before protocols were recorded may). */
export const speaks = (instance: ServiceInstance, protocol: string): boolean =>
  instance.protocol === undefined || instance.protocol === protocol;

/** Parses a registry value; undefined when it is not a valid instance. */
export function decodeInstance(value: string): ServiceInstance | undefined {
  try {
    const result = instanceSchema.safeParse(JSON.parse(value));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

export const byId = (a: ServiceInstance, b: ServiceInstance): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
