import { randomUUID } from "node:crypto";

/**
 * Returns a random UUID (version 4). On TiDB, time-ordered ids would send every
 * insert into the primary-key index to the same Region; random ids spread them.
 */
export function newItemId(): string {
  return randomUUID();
}
