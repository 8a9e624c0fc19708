import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { migrate, migrateAs, MIGRATIONS_DIR, pendingMigrations } from "../../src/db/migrate.js";
import { createDbPool, type DbPool } from "../../src/db/pool.js";
import { silentLogger } from "../helpers.js";
import {
  type IntegrationEnv,
  integrationEnv,
  integrationTitle,
  resetDatabase,
  runIntegration,
  waitForServers,
} from "./env.js";

interface CountRow extends RowDataPacket {
  count: number;
}

describe.skipIf(!runIntegration)(integrationTitle("migrations against a real database"), () => {
  let env: IntegrationEnv;
  let pool: DbPool;

  beforeAll(async () => {
    env = integrationEnv();
    await waitForServers(env);
    pool = createDbPool({ url: env.databaseUrl, connectionLimit: 4, queueLimit: 100 });
  });

  beforeEach(async () => {
    await resetDatabase(env);
  });

  afterAll(async () => {
    // beforeAll may have failed before creating the pool.
    await pool?.end();
  });

  const countApplied = async (): Promise<number> => {
    const [rows] = await pool.query<CountRow[]>("SELECT COUNT(*) AS count FROM schema_migrations");
    return Number(rows[0]?.count);
  };

  it("applies every migration once; running again is a no-op", async () => {
    expect(await migrate(pool, { logger: silentLogger })).toEqual(["0001", "0002"]);
    expect(await migrate(pool, { logger: silentLogger })).toEqual([]);
    expect(await countApplied()).toBe(2);
    await pool.query("INSERT INTO items (id, name, created_at) VALUES (?, ?, ?)", [
      "01890a5d-ac96-774b-bcce-b302099a8057",
      "apple",
      new Date(0),
    ]);
  });

  it("tells what is pending (DB_MIGRATIONS=verify), and nothing once the owner's account applied them", async () => {
    expect(await pendingMigrations(pool)).toEqual(["0001_create_items", "0002_add_request_id"]);
    expect(await migrateAs(env.databaseUrl, { logger: silentLogger })).toEqual(["0001", "0002"]);
    expect(await pendingMigrations(pool)).toEqual([]);
  });

  it("lets concurrent runs apply each migration exactly once (GET_LOCK)", async () => {
    const results = await Promise.all([
      migrate(pool, { logger: silentLogger }),
      migrate(pool, { logger: silentLogger }),
      migrate(pool, { logger: silentLogger }),
    ]);
    expect(results.flat()).toEqual(["0001", "0002"]);
    expect(await countApplied()).toBe(2);
  });

  it("refuses to run when an applied migration was edited", async () => {
    await migrate(pool, { logger: silentLogger });
    const dir = await mkdtemp(join(tmpdir(), "migrations-"));
    try {
      const file = join(dir, "0001_create_items.sql");
      await copyFile(join(MIGRATIONS_DIR, "0001_create_items.sql"), file);
      await writeFile(file, "-- edited\n", { flag: "a" });
      await expect(migrate(pool, { logger: silentLogger, dir })).rejects.toThrow(
        "migration 0001_create_items changed after it was applied",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
