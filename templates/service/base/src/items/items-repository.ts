import type { Pool, RowDataPacket } from "mysql2/promise";

export interface Item {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

export interface ListQuery {
  /** Return only items whose id sorts after this one. */
  readonly afterId: string | undefined;
  readonly limit: number;
}

/** Storage of items; the service layer depends on this interface only. */
export interface ItemsRepository {
  insert(item: Item): Promise<void>;
  findById(id: string): Promise<Item | undefined>;
  /** Items ordered by id. */
  list(query: ListQuery): Promise<Item[]>;
}

interface ItemRow extends RowDataPacket {
  id: string;
  name: string;
  created_at: Date;
}

const toItem = (row: ItemRow): Item => ({ id: row.id, name: row.name, createdAt: row.created_at });

/** ItemsRepository over a MySQL-protocol pool (schema: migrations/). */
export class SqlItemsRepository implements ItemsRepository {
  constructor(private readonly pool: Pool) {}

  async insert(item: Item): Promise<void> {
    await this.pool.query("INSERT INTO items (id, name, created_at) VALUES (?, ?, ?)", [
      item.id,
      item.name,
      item.createdAt,
    ]);
  }

  async findById(id: string): Promise<Item | undefined> {
    const [rows] = await this.pool.query<ItemRow[]>("SELECT id, name, created_at FROM items WHERE id = ?", [id]);
    const row = rows[0];
    return row === undefined ? undefined : toItem(row);
  }

  async list({ afterId, limit }: ListQuery): Promise<Item[]> {
    const [rows] =
      afterId === undefined
        ? await this.pool.query<ItemRow[]>("SELECT id, name, created_at FROM items ORDER BY id LIMIT ?", [limit])
        : await this.pool.query<ItemRow[]>("SELECT id, name, created_at FROM items WHERE id > ? ORDER BY id LIMIT ?", [
            afterId,
            limit,
          ]);
    return rows.map(toItem);
  }
}
