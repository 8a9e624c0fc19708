-- Items created through <%= service.className %>Service.
-- Migration files hold plain MySQL statements, each ending with ";" at the end
-- of a line; lines starting with "--" are comments. They run one statement at
-- a time and are recorded in schema_migrations once all of them succeeded.
CREATE TABLE IF NOT EXISTS items (
  id CHAR(36) NOT NULL,
  name VARCHAR(200) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id)
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
