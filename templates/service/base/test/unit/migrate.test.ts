import { describe, expect, it } from "vitest";

import { loadMigrations, splitStatements } from "../../src/db/migrate.js";

describe("splitStatements", () => {
  it("splits on semicolons at line ends and drops comment lines", () => {
    const sql = [
      "-- header",
      "CREATE TABLE a (",
      "  id INT -- inline comments stay",
      ");",
      "",
      "  -- indented comment",
      "INSERT INTO a VALUES (1);  ",
      "INSERT INTO a VALUES (2)",
    ].join("\r\n");
    expect(splitStatements(sql)).toEqual([
      "CREATE TABLE a (\n  id INT -- inline comments stay\n)",
      "INSERT INTO a VALUES (1)",
      "INSERT INTO a VALUES (2)",
    ]);
  });

  it("keeps semicolons inside a line", () => {
    expect(splitStatements("INSERT INTO a VALUES ('x;y');\n")).toEqual(["INSERT INTO a VALUES ('x;y')"]);
  });
});

describe("loadMigrations", () => {
  it("reads the service's migrations in version order", async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((migration) => `${migration.version}_${migration.name}`)).toEqual([
      "0001_create_items",
      "0002_add_request_id",
    ]);
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(migrations[0]?.statements).toHaveLength(1);
    expect(migrations[0]?.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS items/);
  });
});
