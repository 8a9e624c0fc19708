-- Items created through <%= service.className %>Service.
-- Migration files hold statements that TiDB, MySQL and MariaDB all accept, each
-- ending with ";" at the end of a line; lines starting with "--" are comments.
-- They run one statement at a time and are recorded in schema_migrations once
-- all of them succeeded. TiDB-only options sit in /*T! ... */ comments: TiDB
-- runs them, MySQL and MariaDB (the integration test server) skip them.
--
-- No write hotspot: ids are UUIDv7 strings made by the service, ordered by
-- time, so a clustered key on them would send every insert to the table's last
-- Region. The key is NONCLUSTERED instead: rows are stored under TiDB's hidden
-- _tidb_rowid, which SHARD_ROW_ID_BITS = 4 scatters over 16 shards (what
-- AUTO_RANDOM does for integer keys), and PRE_SPLIT_REGIONS = 2 splits the new
-- table into 4 Regions at once. The key stays a unique index on id.
CREATE TABLE IF NOT EXISTS items (
  id CHAR(36) NOT NULL,
  name VARCHAR(200) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id) /*T![clustered_index] NONCLUSTERED */
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin /*T! SHARD_ROW_ID_BITS = 4 PRE_SPLIT_REGIONS = 2 */;
