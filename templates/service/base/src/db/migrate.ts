import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import type { RowDataPacket } from "mysql2/promise";

import type { Logger } from "../logger.js";
import { createDbPool, type DbPool } from "./pool.js";

/** The service's migrations/ folder (same relative path from src/ and dist/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

/** How long a replica waits for another one that is migrating. */
const LOCK_WAIT_SECONDS = 60;
/** Lock names are server-wide: scope the lock to the current database. */
const LOCK_NAME_SQL = "CONCAT(DATABASE(), '.schema_migrations')";
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  /** "0001" */
  readonly version: string;
  /** "create_items" */
  readonly name: string;
  /** sha256 of the file (LF line endings): an applied migration must not change. */
  readonly checksum: string;
  readonly statements: readonly string[];
}

export interface MigrateOptions {
  readonly logger: Logger;
  readonly dir?: string;
}

interface LockRow extends RowDataPacket {
  acquired: number | null;
}

interface AppliedRow extends RowDataPacket {
  version: string;
  checksum: string;
}

/**
 * Splits a migration file into statements: each ends with ";" at the end of a
 * line; lines starting with "--" are comments.
 */
export function splitStatements(sql: string): string[] {
  return sql
    .replace(/\r\n/g, "\n")
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("--"))
    .join("\n")
    .split(/;[ \t]*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== "");
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`migration file name ${file} does not match NNNN_name.sql`);
    }
    const sql = (await readFile(join(dir, file), "utf8")).replace(/\r\n/g, "\n");
    migrations.push({
      version: match[1],
      name: match[2],
      checksum: createHash("sha256").update(sql).digest("hex"),
      statements: splitStatements(sql),
    });
  }
  const versions = new Set(migrations.map((migration) => migration.version));
  if (versions.size !== migrations.length) {
    throw new Error(`two migration files in ${dir} share a version number`);
  }
  return migrations;
}

const label = (migration: Migration): string => `${migration.version}_${migration.name}`;

/** The migrations not applied yet; throws if an applied one has changed since. */
function unapplied(migrations: readonly Migration[], appliedRows: readonly AppliedRow[]): Migration[] {
  const applied = new Map(appliedRows.map((row) => [row.version, row.checksum]));
  return migrations.filter((migration) => {
    const checksum = applied.get(migration.version);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new Error(`migration ${label(migration)} changed after it was applied; add a new migration instead`);
    }
    return checksum === undefined;
  });
}

/**
 * For DB_MIGRATIONS=verify: the migrations the database lacks (`0002_add_request_id`), read with the
 * serving account, which may not create tables.
 */
export async function pendingMigrations(pool: DbPool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await loadMigrations(dir);
  const [tables] = await pool.query<RowDataPacket[]>(
    "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'",
  );
  if (tables.length === 0) return migrations.map(label);
  const [rows] = await pool.query<AppliedRow[]>("SELECT version, checksum FROM schema_migrations");
  return unapplied(migrations, rows).map(label);
}

/** Applies the migrations as another account (the schema's owner), over a connection of its own. */
export async function migrateAs(url: string, options: MigrateOptions): Promise<string[]> {
  const pool = createDbPool({ url, connectionLimit: 1, queueLimit: 1 });
  try {
    return await migrate(pool, options);
  } finally {
    await pool.end();
  }
}

/**
 * Applies pending migrations in version order and returns their versions.
 * Holds a named lock (GET_LOCK) on one connection meanwhile, so replicas that
 * start together migrate one after the other; already applied versions are
 * skipped, which makes running it again a no-op.
 */
export async function migrate(pool: DbPool, options: MigrateOptions): Promise<string[]> {
  const { logger } = options;
  const migrations = await loadMigrations(options.dir);
  const connection = await pool.getConnection();
  let lockReleased = true;
  try {
    const [lock] = await connection.query<LockRow[]>(`SELECT GET_LOCK(${LOCK_NAME_SQL}, ?) AS acquired`, [
      LOCK_WAIT_SECONDS,
    ]);
    if (lock[0]?.acquired !== 1) {
      throw new Error(`could not take the migration lock within ${String(LOCK_WAIT_SECONDS)} s`);
    }
    lockReleased = false;
    try {
      await connection.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
          version VARCHAR(32) NOT NULL,
          name VARCHAR(255) NOT NULL,
          checksum CHAR(64) NOT NULL,
          applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
          PRIMARY KEY (version)
        )`,
      );
      const [rows] = await connection.query<AppliedRow[]>("SELECT version, checksum FROM schema_migrations");
      const appliedNow: string[] = [];
      for (const migration of unapplied(migrations, rows)) {
        logger.info({ migration: label(migration) }, "applying migration");
        for (const statement of migration.statements) {
          await connection.query(statement);
        }
        await connection.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)", [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        appliedNow.push(migration.version);
      }
      logger.info({ applied: appliedNow.length, total: migrations.length }, "database schema is up to date");
      return appliedNow;
    } finally {
      await connection.query(`SELECT RELEASE_LOCK(${LOCK_NAME_SQL})`).then(
        () => {
          lockReleased = true;
        },
        (error: unknown) => {
          logger.warn({ err: error }, "could not release the migration lock");
        },
      );
    }
  } finally {
    if (lockReleased) {
      connection.release();
    } else {
      // Closing the session frees its locks; never pool a connection holding one.
      connection.destroy();
    }
  }
}
