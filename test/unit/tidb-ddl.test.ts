import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { choiceManifest } from '../../generators/shared/stack.js';
import { IMAGE_TAGS } from '../../generators/shared/versions.js';
import { templateDir } from '../../generators/shared/paths.js';
import {
  DEFAULT_TIDB_TARGET,
  TIDB_DDL_RULES,
  checkTidbDdl,
  formatFindings,
  parseTidbVersion,
  type TidbDdlFinding,
} from '../support/tidb-ddl-check.js';
import { answersFor, emptyTree, renderedFiles } from './fixtures.js';

// TiDB cannot run on this machine: the TiDB layer's migrations run for real on MariaDB (integration tests of
// the generated repo), and this suite checks them against what TiDB's documentation says it does not support.

const SHORT_AND_LONG_NAMES = ['a', 'abcdefghij-klmnopqrst-uvwxyz12'];

/** `services/<name>/migrations/*.sql` of a repository rendered in memory. */
function renderedMigrations(db: 'mysql' | 'tidb', service: string): Map<string, string> {
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor({ db }, [service]));
  return new Map(
    [...renderedFiles(tree)]
      .filter(([file]) => file.startsWith(`services/${service}/migrations/`) && file.endsWith('.sql'))
      .map(([file, content]) => [file, content.toString('utf8')]),
  );
}

const rulesOf = (findings: readonly TidbDdlFinding[]) => [...new Set(findings.map((f) => f.rule))];

interface BadCase {
  rule: string;
  bad: string;
  /** A close statement the rule must accept. */
  good?: string;
  target?: string;
}

const TABLE_TAIL = 'DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin /*T! SHARD_ROW_ID_BITS = 4 */';
const NONCLUSTERED = 'PRIMARY KEY (id) /*T![clustered_index] NONCLUSTERED */';

const BAD_CASES: BadCase[] = [
  { rule: 'stored-routine', bad: 'CREATE FUNCTION one() RETURNS INT DETERMINISTIC RETURN 1;' },
  { rule: 'stored-routine', bad: 'CALL purge_items(30);' },
  {
    rule: 'trigger',
    bad: 'CREATE TRIGGER trim_name BEFORE INSERT ON items FOR EACH ROW SET NEW.name = TRIM(NEW.name);',
  },
  {
    rule: 'event',
    bad: 'CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM items WHERE created_at < NOW() - INTERVAL 30 DAY;',
  },
  {
    rule: 'fulltext',
    bad: 'ALTER TABLE items ADD FULLTEXT INDEX items_name_ft (name);',
    good: 'ALTER TABLE items ADD INDEX items_name (name);',
  },
  {
    rule: 'spatial',
    bad: 'ALTER TABLE items ADD COLUMN location POINT NOT NULL;',
    good: 'ALTER TABLE items ADD COLUMN point_count INT NOT NULL DEFAULT 0;',
  },
  { rule: 'spatial', bad: 'ALTER TABLE items ADD SPATIAL INDEX items_location (location);' },
  {
    rule: 'charset',
    bad: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) DEFAULT CHARSET = latin1 COLLATE = latin1_swedish_ci /*T! SHARD_ROW_ID_BITS = 4 */;`,
    good: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) ${TABLE_TAIL};`,
  },
  {
    rule: 'charset',
    bad: 'ALTER TABLE items MODIFY COLUMN name VARCHAR(200) CHARACTER SET utf8 NOT NULL;',
    good: "ALTER TABLE items MODIFY COLUMN name VARCHAR(200) NOT NULL DEFAULT 'CHARSET latin1';",
  },
  {
    rule: 'default-charset',
    bad: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) /*T! SHARD_ROW_ID_BITS = 4 */;`,
    good: 'CREATE TABLE t2 LIKE t;',
  },
  { rule: 'lock-tables', bad: 'LOCK TABLES items WRITE;', good: "SELECT GET_LOCK('items', 10);" },
  {
    rule: 'auto-increment',
    bad: 'CREATE TABLE t (id BIGINT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id)) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;',
  },
  {
    rule: 'auto-random',
    bad: 'CREATE TABLE t (id BIGINT NOT NULL /*T![auto_rand] AUTO_RANDOM(5) */, PRIMARY KEY (id)) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;',
  },
  {
    rule: 'tidb-syntax-outside-comment',
    bad: 'CREATE TABLE t (id CHAR(36) NOT NULL, PRIMARY KEY (id) NONCLUSTERED) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin SHARD_ROW_ID_BITS = 4;',
    good: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) ${TABLE_TAIL};`,
  },
  {
    rule: 'versioned-comment',
    bad: 'ALTER TABLE items ADD COLUMN note VARCHAR(10) /*!80023 INVISIBLE */;',
    good: 'ALTER TABLE items ADD COLUMN note VARCHAR(10) /* no version comment */;',
  },
  {
    // The MySQL layer's table: a clustered key on time-ordered UUIDv7 strings.
    rule: 'write-hotspot',
    bad: 'CREATE TABLE IF NOT EXISTS items (id CHAR(36) NOT NULL, PRIMARY KEY (id)) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;',
    good: `CREATE TABLE IF NOT EXISTS items (id CHAR(36) NOT NULL, ${NONCLUSTERED}) ${TABLE_TAIL};`,
  },
  {
    rule: 'write-hotspot',
    bad: 'CREATE TABLE events (payload JSON NOT NULL) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;',
  },
  {
    rule: 'row-id-sharding',
    bad: 'CREATE TABLE t (id CHAR(36) NOT NULL, PRIMARY KEY (id)) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin /*T! SHARD_ROW_ID_BITS = 4 */;',
    good: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) ${TABLE_TAIL};`,
  },
  {
    rule: 'row-id-sharding',
    bad: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin /*T! SHARD_ROW_ID_BITS = 2 PRE_SPLIT_REGIONS = 3 */;`,
    good: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin /*T! SHARD_ROW_ID_BITS = 4 PRE_SPLIT_REGIONS = 2 */;`,
  },
  {
    rule: 'foreign-key',
    target: '6.5',
    bad: 'ALTER TABLE items ADD CONSTRAINT items_owner FOREIGN KEY (owner_id) REFERENCES owners (id);',
  },
  {
    rule: 'foreign-key',
    target: '7.5',
    bad: 'ALTER TABLE items ADD CONSTRAINT items_owner FOREIGN KEY (owner_id) REFERENCES owners (id);',
  },
  {
    rule: 'multi-schema-change',
    target: '6.1',
    bad: 'ALTER TABLE items ADD COLUMN a INT, ADD COLUMN b INT;',
    good: 'ALTER TABLE items ADD COLUMN a INT;',
  },
  {
    rule: 'alter-same-object',
    bad: 'ALTER TABLE items MODIFY COLUMN name VARCHAR(300) NOT NULL, DROP COLUMN name;',
    good: 'ALTER TABLE items MODIFY COLUMN name VARCHAR(300) NOT NULL, ADD COLUMN note VARCHAR(10);',
  },
  {
    rule: 'alter-same-object',
    bad: 'ALTER TABLE items ADD INDEX items_name (name), DROP INDEX items_name;',
    good: 'ALTER TABLE items ADD INDEX items_name (name), ADD INDEX items_created (created_at);',
  },
  {
    rule: 'primary-key-change',
    bad: 'ALTER TABLE items DROP PRIMARY KEY;',
    good: 'ALTER TABLE items DROP INDEX items_name;',
  },
  {
    rule: 'check-constraint',
    target: '7.1',
    bad: "ALTER TABLE items ADD CONSTRAINT items_name_set CHECK (name <> '');",
    good: 'ANALYZE TABLE items;',
  },
  { rule: 'check-constraint', bad: "ALTER TABLE items ADD CONSTRAINT items_name_set CHECK (name <> '');" },
  {
    rule: 'descending-index',
    bad: 'CREATE INDEX items_created_at ON items (created_at DESC);',
    good: 'CREATE INDEX items_created_at ON items (created_at);',
  },
  { rule: 'descending-index', bad: 'ALTER TABLE items ADD INDEX items_created_at (created_at DESC, id);' },
  {
    rule: 'create-table-select',
    bad: 'CREATE TABLE items_copy AS SELECT * FROM items;',
    good: 'INSERT INTO items_copy SELECT * FROM items;',
  },
  { rule: 'unsupported-statement', bad: 'SELECT id FROM items ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED;' },
  {
    rule: 'unsupported-statement',
    bad: 'OPTIMIZE TABLE items;',
    good: 'SELECT id FROM items WHERE id = 1 FOR UPDATE NOWAIT;',
  },
  { rule: 'unsupported-statement', bad: "XA START 'migration';" },
  {
    rule: 'storage-engine',
    bad: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) ENGINE = MyISAM ${TABLE_TAIL};`,
    good: `CREATE TABLE t (id CHAR(36) NOT NULL, ${NONCLUSTERED}) ENGINE = InnoDB ${TABLE_TAIL};`,
  },
  { rule: 'one-statement', bad: 'DROP TABLE a; DROP TABLE b;', good: 'DROP TABLE a;\nDROP TABLE b;' },
];

describe('TiDB DDL check (contract-level: TiDB cannot run here; the rules encode PingCAP docs)', () => {
  it.each(SHORT_AND_LONG_NAMES)('finds nothing in the rendered tidb migrations (service "%s")', (service) => {
    const migrations = renderedMigrations('tidb', service);
    expect([...migrations.keys()]).toEqual([
      `services/${service}/migrations/0001_create_items.sql`,
      `services/${service}/migrations/0002_add_request_id.sql`,
    ]);
    for (const [file, sql] of migrations) {
      const findings = checkTidbDdl(sql, { file });
      expect(findings, formatFindings(findings)).toEqual([]);
    }
  });

  it('sees the TiDB layout in the rendered migration and MySQL/MariaDB skip it', () => {
    const [sql = ''] = renderedMigrations('tidb', 'api').values();
    expect(sql).toContain('PRIMARY KEY (id) /*T![clustered_index] NONCLUSTERED */');
    expect(sql).toMatch(/\/\*T! SHARD_ROW_ID_BITS = 4 PRE_SPLIT_REGIONS = 2 \*\/;\n$/);
    // The same columns as the MySQL layer: the shared repository code works on both.
    const columns = (text: string) => text.match(/^ {2}\w+ [A-Z]+\(\d+\) NOT NULL,$/gm);
    const [mysql = ''] = renderedMigrations('mysql', 'api').values();
    expect(columns(sql)).toEqual(columns(mysql));
  });

  it("flags the MySQL layer's clustered UUIDv7 key as a write hotspot", () => {
    const [mysql = ''] = renderedMigrations('mysql', 'api').values();
    expect(rulesOf(checkTidbDdl(mysql))).toEqual(['write-hotspot']);
  });

  it.each(BAD_CASES.map((c) => ({ ...c, label: `${c.rule}${c.target ? ` (TiDB ${c.target})` : ''}` })))(
    'rule $label catches a bad statement and accepts a close good one',
    ({ rule, bad, good, target }) => {
      const findings = checkTidbDdl(bad, { target });
      expect(rulesOf(findings), bad).toContain(rule);
      for (const finding of findings.filter((f) => f.rule === rule)) {
        expect(finding.docs).toBe(TIDB_DDL_RULES.find((r) => r.id === rule)?.docs);
        expect(finding.message.length).toBeGreaterThan(10);
      }
      if (good !== undefined) {
        expect(rulesOf(checkTidbDdl(good, { target })), good).not.toContain(rule);
      }
    },
  );

  it('has a bad statement for every rule, each rule citing a PingCAP docs page', () => {
    expect(new Set(BAD_CASES.map((c) => c.rule))).toEqual(new Set(TIDB_DDL_RULES.map((r) => r.id)));
    for (const rule of TIDB_DDL_RULES) {
      expect(rule.docs, rule.id).toMatch(/^https:\/\/docs\.pingcap\.com\/tidb\/stable\/[a-z0-9-/]+\/(#[a-z0-9-]+)?$/);
    }
  });

  it('applies version-dependent rules only to the TiDB versions they concern', () => {
    const foreignKey = 'ALTER TABLE items ADD CONSTRAINT items_owner FOREIGN KEY (owner_id) REFERENCES owners (id);';
    expect(rulesOf(checkTidbDdl(foreignKey, { target: '6.5' }))).toContain('foreign-key');
    expect(rulesOf(checkTidbDdl(foreignKey, { target: '8.5' }))).not.toContain('foreign-key');
    const twoChanges = 'ALTER TABLE items ADD COLUMN a INT, ADD COLUMN b INT;';
    expect(rulesOf(checkTidbDdl(twoChanges, { target: '6.1' }))).toContain('multi-schema-change');
    expect(checkTidbDdl(twoChanges, { target: '6.2' })).toEqual([]);
    const check = "ALTER TABLE items ADD CONSTRAINT items_name_set CHECK (name <> '');";
    expect(checkTidbDdl(check, { target: '7.1' })[0]?.message).toMatch(/ignores them/);
    expect(checkTidbDdl(check, { target: '8.5' })[0]?.message).toMatch(/tidb_enable_check_constraint/);
  });

  it('lets a comment line waive a rule for one statement, only with a reason', () => {
    const table = 'CREATE TABLE tags (id CHAR(36) NOT NULL, PRIMARY KEY (id)) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;';
    const waived = `-- tidb-ddl-check: allow write-hotspot -- ids are random UUIDv4 strings\n${table}\n${table}\n`;
    const findings = checkTidbDdl(waived);
    expect(findings.map((f) => [f.rule, f.statement, f.line])).toEqual([['write-hotspot', 2, 3]]);
    expect(rulesOf(checkTidbDdl(`-- tidb-ddl-check: allow write-hotspot\n${table}\n`))).toEqual(['write-hotspot']);
  });

  it('splits statements like the generated runner and ignores strings and comments', () => {
    const sql = [
      '-- FULLTEXT in a comment line',
      "INSERT INTO items (id, name, created_at) VALUES ('x', 'a FULLTEXT; LOCK TABLES name', -- SPATIAL",
      '  NOW());',
      'SELECT 1 /* ENGINE = MyISAM */;',
    ].join('\r\n');
    expect(checkTidbDdl(sql)).toEqual([]);
    // The runner only splits at ";" ending a line: a comment after it glues two statements together.
    expect(rulesOf(checkTidbDdl('SELECT 1; -- one\nSELECT 2;\n'))).toEqual(['one-statement']);
  });

  it('targets the TiDB version of the pinned image', () => {
    const tag = IMAGE_TAGS.tidb;
    expect(tag).toMatch(/^pingcap\/tidb:v\d+\.\d+\.\d+$/);
    expect(parseTidbVersion(tag.split(':')[1]!)).toEqual(parseTidbVersion(DEFAULT_TIDB_TARGET));
  });
});

describe('TiDB choice (templates/service/db/tidb)', () => {
  it('describes a single-node TiDB on port 4000 for CI and the compose stack', () => {
    const container = choiceManifest('db', 'tidb').container;
    expect(container).toMatchObject({ image: 'tidb', port: 4000, admin: { user: 'root' } });
    expect(container?.command).toEqual(expect.arrayContaining(['--store=unistore']));
    expect(container?.healthcheck?.[0]).toBe('CMD');
    expect(container?.testEnv.TEST_DATABASE_URL).toBe('mysql://root@{host}:4000/');
    expect(container?.serviceEnv.DATABASE_URL).toMatch(/^mysql:\/\/\{user\}:\{password\}@\{host\}:4000\/\{database\}$/);
  });

  it('renders port 4000 in .env.example and the TiDB notes in the README', () => {
    const tree = emptyTree();
    workspaceGenerator(tree, answersFor({ db: 'tidb' }, ['orders']));
    const files = renderedFiles(tree);
    const example = files.get('services/orders/.env.example')?.toString() ?? '';
    expect(example).toMatch(/^DATABASE_URL=mysql:\/\/orders:change-me-orders-db@127\.0\.0\.1:4000\/orders$/m);
    expect(example).toMatch(/^TEST_DATABASE_URL=mysql:\/\/orders:change-me-orders-db@127\.0\.0\.1:4000\/orders_test$/m);
    const readme = files.get('README.md')?.toString() ?? '';
    const database = readme.slice(readme.indexOf('## Database'));
    for (const topic of ['4000', 'tidb_txn_mode', 'max_allowed_packet', 'TLS', 'NONCLUSTERED', IMAGE_TAGS.tidb]) {
      expect(database).toContain(topic);
    }
    expect(readFileSync(`${templateDir('service', 'db', 'tidb')}/choice.json`, 'utf8')).not.toMatch(/latest/);
  });
});
