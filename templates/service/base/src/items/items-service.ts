import { NotFoundError } from "./errors.js";
import { newItemId } from "./id.js";
import type { Item, ItemsRepository } from "./items-repository.js";
import { validateId, validateName, validatePageSize, validatePageToken } from "./validation.js";

export interface ItemPage {
  readonly items: readonly Item[];
  /** Empty when this is the last page. */
  readonly nextPageToken: string;
}

export interface ItemsServiceOptions {
  readonly now?: () => Date;
  readonly newId?: (unixMillis: number) => string;
}

/**
 * Use cases for items, independent of the transport: inputs are validated
 * here (ValidationError) and missing items raise NotFoundError.
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

  async createItem(input: { readonly name: string }): Promise<Item> {
    const name = validateName(input.name);
    const createdAt = this.now();
    const item: Item = { id: this.newId(createdAt.getTime()), name, createdAt };
    await this.repository.insert(item);
    return item;
  }

  async getItem(input: { readonly id: string }): Promise<Item> {
    const id = validateId(input.id);
    const item = await this.repository.findById(id);
    if (item === undefined) {
      throw new NotFoundError(`item ${id} not found`);
    }
    return item;
  }

  async listItems(input: { readonly pageSize: number; readonly pageToken: string }): Promise<ItemPage> {
    const pageSize = validatePageSize(input.pageSize);
    const afterId = validatePageToken(input.pageToken);
    // One extra row tells whether another page exists.
    const rows = await this.repository.list({ afterId, limit: pageSize + 1 });
    const items = rows.slice(0, pageSize);
    const last = items.at(-1);
    return { items, nextPageToken: rows.length > pageSize && last !== undefined ? last.id : "" };
  }
}
