import type { Item, ItemsRepository, ListQuery } from "../src/items/items-repository.js";
import { createLogger } from "../src/logger.js";
import type { Registry, ServiceInstance } from "../src/registry/registry.js";

export const silentLogger = createLogger("silent");

/** In-memory ItemsRepository with the same ordering as the SQL one. */
export class InMemoryItemsRepository implements ItemsRepository {
  readonly items = new Map<string, Item>();

  private readonly byRequestId = new Map<string, Item>();

  insert(item: Item, requestId?: string): Promise<Item> {
    const earlier = requestId === undefined ? undefined : this.byRequestId.get(requestId);
    if (earlier !== undefined) {
      return Promise.resolve(earlier);
    }
    this.items.set(item.id, item);
    if (requestId !== undefined) {
      this.byRequestId.set(requestId, item);
    }
    return Promise.resolve(item);
  }

  findById(id: string): Promise<Item | undefined> {
    return Promise.resolve(this.items.get(id));
  }

  list({ afterId, limit }: ListQuery): Promise<Item[]> {
    const sorted = [...this.items.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return Promise.resolve(sorted.filter((item) => afterId === undefined || item.id > afterId).slice(0, limit));
  }
}

/** A repository whose storage fails every call with `failure()` (by default a raw connection error). */
export class FailingItemsRepository implements ItemsRepository {
  constructor(private readonly failure: () => Error = () => new Error("connect ECONNREFUSED 10.0.0.1:3306")) {}

  insert(): Promise<Item> {
    return Promise.reject(this.failure());
  }

  findById(): Promise<Item | undefined> {
    return Promise.reject(this.failure());
  }

  list(): Promise<Item[]> {
    return Promise.reject(this.failure());
  }
}

/** A repository whose insert() never finishes by itself: it waits for the caller's signal, and records that it aborted. */
export class StallingItemsRepository extends InMemoryItemsRepository {
  abandoned = 0;

  override insert(_item: Item, _requestId?: string, signal?: AbortSignal): Promise<Item> {
    return new Promise<Item>((_, reject) => {
      signal?.addEventListener("abort", () => {
        this.abandoned += 1;
        // What the SQL repository does: reject with the signal's reason (an AbandonedError).
        reject(signal.reason instanceof Error ? signal.reason : new Error("abandoned"));
      });
    });
  }
}

/** Resolves with the rejection reason of a promise expected to fail. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** An in-memory repository whose insert() waits until release() is called. */
export class BlockingItemsRepository extends InMemoryItemsRepository {
  private readonly waiting: (() => void)[] = [];

  override async insert(item: Item, requestId?: string): Promise<Item> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.insert(item, requestId);
  }

  /** Number of inserts currently blocked. */
  get blocked(): number {
    return this.waiting.length;
  }

  release(): void {
    for (const resolve of this.waiting.splice(0)) {
      resolve();
    }
  }
}

/** A registry that lists the given instances for every service and registers nothing. */
export function staticRegistry(instances: readonly ServiceInstance[]): Registry {
  return {
    register: () => Promise.resolve(),
    deregister: () => Promise.resolve(),
    isRegistered: () => false,
    resolve: () => Promise.resolve([...instances]),
    watch: () => Promise.resolve({ instances: () => instances, close: () => Promise.resolve() }),
    close: () => Promise.resolve(),
  };
}
