import type { Item, ItemsRepository, ListQuery } from "../src/items/items-repository.js";
import { createLogger } from "../src/logger.js";

export const silentLogger = createLogger("silent");

/** In-memory ItemsRepository with the same ordering as the SQL one. */
export class InMemoryItemsRepository implements ItemsRepository {
  readonly items = new Map<string, Item>();

  insert(item: Item): Promise<void> {
    this.items.set(item.id, item);
    return Promise.resolve();
  }

  findById(id: string): Promise<Item | undefined> {
    return Promise.resolve(this.items.get(id));
  }

  list({ afterId, limit }: ListQuery): Promise<Item[]> {
    const sorted = [...this.items.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return Promise.resolve(sorted.filter((item) => afterId === undefined || item.id > afterId).slice(0, limit));
  }
}

/** A repository whose storage is down. */
export class FailingItemsRepository implements ItemsRepository {
  insert(): Promise<void> {
    return Promise.reject(new Error("connect ECONNREFUSED 10.0.0.1:3306"));
  }

  findById(): Promise<Item | undefined> {
    return Promise.reject(new Error("connect ECONNREFUSED 10.0.0.1:3306"));
  }

  list(): Promise<Item[]> {
    return Promise.reject(new Error("connect ECONNREFUSED 10.0.0.1:3306"));
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

  override async insert(item: Item): Promise<void> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    await super.insert(item);
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
