import { NotFoundError, ValidationError } from "./errors.js";
import { newItemId } from "./id.js";
import type { Item, ItemsRepository } from "./items-repository.js";
import { validateId, validateName, validatePageSize, validatePageToken, validateRequestId } from "./validation.js";

export interface ItemPage {
  readonly items: readonly Item[];
  /** Empty when this is the last page. */
  readonly nextPageToken: string;
}

/** What every use case gets from the transport: the caller's signal (deadline or cancellation). */
export interface CallContext {
  readonly signal?: AbortSignal;
}

export interface ItemsServiceOptions {
  readonly now?: () => Date;
  readonly newId?: (unixMillis: number) => string;
}

/**
 * Use cases for items, independent of the transport: inputs are validated
 * here (ValidationError) and missing items raise NotFoundError. Creates are idempotent per
 * `requestId`: a retry with the same one returns the item the first call created.
 */
export class ItemsService {
  private readonly now: () => Date;
  private readonly newId: (unixMillis: number) => string;

  constructor(
    private readonly repository: ItemsRepository,
    options: ItemsServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? newItemId;
  }

  async createItem(
    input: { readonly name: string; readonly requestId?: string },
    context: CallContext = {},
  ): Promise<Item> {
    const name = validateName(input.name);
    const requestId = validateRequestId(input.requestId ?? "");
    const createdAt = this.now();
    const item: Item = { id: this.newId(createdAt.getTime()), name, createdAt };
    const stored = await this.repository.insert(item, requestId, context.signal);
    if (stored.name !== name) {
      throw new ValidationError("request_id", "was already used to create an item with another name");
    }
    return stored;
  }

  async getItem(input: { readonly id: string }, context: CallContext = {}): Promise<Item> {
    const id = validateId(input.id);
    const item = await this.repository.findById(id, context.signal);
    if (item === undefined) {
      throw new NotFoundError(`item ${id} not found`);
    }
    return item;
  }

  async listItems(
    input: { readonly pageSize: number; readonly pageToken: string },
    context: CallContext = {},
  ): Promise<ItemPage> {
    const pageSize = validatePageSize(input.pageSize);
    const afterId = validatePageToken(input.pageToken);
    // One extra row tells whether another page exists.
    const rows = await this.repository.list({ afterId, limit: pageSize + 1 }, context.signal);
    const items = rows.slice(0, pageSize);
    const last = items.at(-1);
    return { items, nextPageToken: rows.length > pageSize && last !== undefined ? last.id : "" };
  }
}
