import type { PoolConnection, RowDataPacket } from "mysql2/promise";

import { withConnection } from "../db/connection.js";
import type { DbPool } from "../db/pool.js";

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

/**
 * Storage of items; the service layer depends on this interface only. `signal` is the caller's:
 * once it aborts, the work is abandoned without committing and the call rejects with its reason.
 */
export interface ItemsRepository {
  /**
   * Stores the item and returns it; with a `requestId` already used, stores nothing and returns
   * the item stored under it (a retried create).
   */
  insert(item: Item, requestId: string | undefined, signal?: AbortSignal): Promise<Item>;
  findById(id: string, signal?: AbortSignal): Promise<Item | undefined>;
  /** Items ordered by id. */
  list(query: ListQuery, signal?: AbortSignal): Promise<Item[]>;
}

interface ItemRow extends RowDataPacket {
  id: string;
  name: string;
  created_at: Date;
}

const toItem = (row: ItemRow): Item => ({ id: row.id, name: row.name, createdAt: row.created_at });

const COLUMNS = "id, name, created_at";

/** ItemsRepository over a MySQL-protocol pool (schema: migrations/). */
export class SqlItemsRepository implements ItemsRepository {
  constructor(private readonly pool: DbPool) {}

  insert(item: Item, requestId: string | undefined, signal?: AbortSignal): Promise<Item> {
    // A transaction, committed only while the caller still waits: an abandoned call leaves no row.
    return withConnection(this.pool, signal, async (connection) => {
      await connection.beginTransaction();
      try {
        await connection.query("INSERT INTO items (id, name, created_at, request_id) VALUES (?, ?, ?, ?)", [
          item.id,
          item.name,
          item.createdAt,
          requestId ?? null,
        ]);
      } catch (error) {
        await connection.rollback();
        const earlier = requestId === undefined ? undefined : await findByRequestId(connection, requestId);
        if (earlier === undefined) {
          throw error;
        }
        return earlier;
      }
      signal?.throwIfAborted();
      await connection.commit();
      return item;
    });
  }

  findById(id: string, signal?: AbortSignal): Promise<Item | undefined> {
    return withConnection(this.pool, signal, async (connection) => {
      const [rows] = await connection.query<ItemRow[]>(`SELECT ${COLUMNS} FROM items WHERE id = ?`, [id]);
      const row = rows[0];
      return row === undefined ? undefined : toItem(row);
    });
  }

  list({ afterId, limit }: ListQuery, signal?: AbortSignal): Promise<Item[]> {
    return withConnection(this.pool, signal, async (connection) => {
      const [rows] =
        afterId === undefined
          ? await connection.query<ItemRow[]>(`SELECT ${COLUMNS} FROM items ORDER BY id LIMIT ?`, [limit])
          : await connection.query<ItemRow[]>(`SELECT ${COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?`, [
              afterId,
              limit,
            ]);
      return rows.map(toItem);
    });
  }
}

async function findByRequestId(connection: PoolConnection, requestId: string): Promise<Item | undefined> {
  const [rows] = await connection.query<ItemRow[]>(`SELECT ${COLUMNS} FROM items WHERE request_id = ?`, [requestId]);
  const row = rows[0];
  return row === undefined ? undefined : toItem(row);
}
