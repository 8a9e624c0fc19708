/**
 * Contract-level check of migration SQL for TiDB.
 *
 * TiDB cannot run on this machine and no SQL parser has a TiDB dialect (see /work/shared/feasibility.md),
 * so the TiDB layer's migrations run for real on MariaDB in the integration tests, and this check scans
 * them for statements and features that TiDB does not support or handles differently from MySQL. Each
 * rule cites the PingCAP documentation page it encodes. It is a pattern check over statements, not a
 * parser: it proves the absence of the constructs below, not that TiDB accepts every statement.
 *
 * Statements are split the way the generated migration runner splits them (`;` at the end of a line,
 * `--` comment lines dropped). A rule can be waived for one statement, with a reason, by a comment line
 * right above it: `-- tidb-ddl-check: allow <rule-id> -- <reason>`.
 */

const DOCS = 'https://docs.pingcap.com/tidb/stable';

/** The TiDB version the generated repo targets (the `pingcap/tidb` image it pins). */
export const DEFAULT_TIDB_TARGET = '8.5';

export interface TidbDdlStatement {
  /** 1-based statement number in the file. */
  readonly index: number;
  /** 1-based line of the statement's first line in the file. */
  readonly line: number;
  /** The statement as the runner sends it (comment lines removed). */
  readonly text: string;
  /**
   * What TiDB executes: `/*T! ... *\/`, `/*T![feature] ... *\/` and `/*! ... *\/` unwrapped, other comments
   * removed, string literals emptied, `quoted` identifiers reduced to plain words, whitespace collapsed.
   */
  readonly tidb: string;
  /** What MySQL and MariaDB execute: the same, but TiDB-only comments removed. */
  readonly portable: string;
  /** Rule ids waived for this statement (with a reason). */
  readonly allowed: ReadonlySet<string>;
}

export interface TidbDdlRule {
  readonly id: string;
  /** What TiDB does differently, in one line. */
  readonly summary: string;
  /** The PingCAP docs page (and section) the rule encodes. */
  readonly docs: string;
  /** Returns a message for each problem found in the statement, for the given target version. */
  check(statement: TidbDdlStatement, target: TidbVersion): string[];
}

export interface TidbDdlFinding {
  readonly rule: string;
  readonly file: string;
  readonly statement: number;
  readonly line: number;
  readonly message: string;
  readonly docs: string;
}

export interface TidbDdlCheckOptions {
  /** TiDB version the migrations must run on, `major.minor` (default {@link DEFAULT_TIDB_TARGET}). */
  readonly target?: string;
  /** Name shown in findings. */
  readonly file?: string;
}

export type TidbVersion = readonly [major: number, minor: number];

export function parseTidbVersion(version: string): TidbVersion {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`not a TiDB version: ${version}`);
  return [Number(match[1]), Number(match[2])];
}

const before = (target: TidbVersion, version: string): boolean => {
  const [major, minor] = parseTidbVersion(version);
  return target[0] < major || (target[0] === major && target[1] < minor);
};

/** Every match of a global regexp (case-insensitive flags are up to the caller). */
const all = (text: string, pattern: RegExp): RegExpExecArray[] => [...text.matchAll(pattern)];

const isCreateTable = (sql: string) => /^CREATE\s+(?:TEMPORARY\s+)?TABLE\b/i.test(sql);
const isAlterTable = (sql: string) => /^ALTER\s+(?:IGNORE\s+)?TABLE\b/i.test(sql);
const isCreateTableLike = (sql: string) =>
  /^CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w$.]+\s*\(?\s*LIKE\b/i.test(sql);

/** The text between the parenthesis at `open` and its match. */
function parenthesized(sql: string, open: number): string {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return sql.slice(open + 1, i);
  }
  return sql.slice(open + 1);
}

/** Splits on commas that are not inside parentheses. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part !== '');
}

/** The ALTER TABLE specifications (after the table name). */
function alterSpecs(sql: string): string[] {
  const match = /^ALTER\s+(?:IGNORE\s+)?TABLE\s+[\w$.]+\s*/i.exec(sql);
  return match ? topLevelParts(sql.slice(match[0].length)) : [];
}

/** The column list and table options of a CREATE TABLE. */
function createTableParts(sql: string): { elements: string[]; options: string } {
  const open = sql.indexOf('(');
  if (open < 0) return { elements: [], options: '' };
  const body = parenthesized(sql, open);
  return { elements: topLevelParts(body), options: sql.slice(open + body.length + 2) };
}

const TIDB_ONLY_SYNTAX = [
  /\bAUTO_RANDOM(?:_BASE)?\b/i,
  /\bSHARD_ROW_ID_BITS\b/i,
  /\bPRE_SPLIT_REGIONS\b/i,
  /\bAUTO_ID_CACHE\b/i,
  /\b(?:NON)?CLUSTERED\b/i,
  /\bPLACEMENT\s+POLICY\b/i,
  /\bTTL(?:_ENABLE|_JOB_INTERVAL)?\s*=/i,
  /\bTIFLASH\s+REPLICA\b/i,
];

const UNSUPPORTED_STATEMENTS: Array<[RegExp, string]> = [
  [/^XA\b/i, 'XA transactions'],
  [/^CHECK\s+TABLE\b/i, 'CHECK TABLE'],
  [/^CHECKSUM\s+TABLE\b/i, 'CHECKSUM TABLE'],
  [/^REPAIR\s+TABLE\b/i, 'REPAIR TABLE'],
  [/^OPTIMIZE\s+TABLE\b/i, 'OPTIMIZE TABLE'],
  [/^HANDLER\b/i, 'HANDLER'],
  [/^CREATE\s+(?:UNDO\s+)?TABLESPACE\b/i, 'CREATE TABLESPACE'],
  [/\bSUBPARTITION\b/i, 'SUBPARTITION'],
  [/\bSKIP\s+LOCKED\b/i, 'SKIP LOCKED'],
  [/\bINTO\s+@/i, 'SELECT ... INTO @variable'],
];

/** A column definition with a spatial type (`location POINT ...`), not the POINT(x, y) function. */
const SPATIAL_TYPES =
  /\b(?!AS\b)[\w$]+\s+(GEOMETRY|POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION|GEOMCOLLECTION)\b(?!\s*\()/i;

/** Collations MariaDB, MySQL and TiDB (new collation framework) all have for utf8mb4. */
const PORTABLE_COLLATIONS = new Set(['utf8mb4_bin', 'utf8mb4_general_ci', 'utf8mb4_unicode_ci']);

export const TIDB_DDL_RULES: readonly TidbDdlRule[] = [
  {
    id: 'stored-routine',
    summary: 'stored procedures and functions (and user-defined functions) are not supported',
    docs: `${DOCS}/mysql-compatibility/#unsupported-features`,
    check: ({ tidb }) =>
      /^(?:CREATE|ALTER|DROP)\s+(?:DEFINER\s*=\s*\S+\s+)?(?:AGGREGATE\s+)?(?:PROCEDURE|FUNCTION)\b/i.test(tidb) ||
      /^CALL\b/i.test(tidb)
        ? ['TiDB has no stored procedures or functions: move the logic into the service']
        : [],
  },
  {
    id: 'trigger',
    summary: 'triggers are not supported',
    docs: `${DOCS}/mysql-compatibility/#unsupported-features`,
    check: ({ tidb }) =>
      /^(?:CREATE|DROP)\s+(?:DEFINER\s*=\s*\S+\s+)?TRIGGER\b/i.test(tidb)
        ? ['TiDB has no triggers: do it in the service (same transaction)']
        : [],
  },
  {
    id: 'event',
    summary: 'events (the event scheduler) are not supported',
    docs: `${DOCS}/mysql-compatibility/#unsupported-features`,
    check: ({ tidb }) =>
      /^(?:CREATE|ALTER|DROP)\s+(?:DEFINER\s*=\s*\S+\s+)?EVENT\b/i.test(tidb)
        ? ['TiDB has no events: schedule the job outside the database']
        : [],
  },
  {
    id: 'fulltext',
    summary: 'FULLTEXT syntax and indexes are not supported',
    docs: `${DOCS}/mysql-compatibility/#unsupported-features`,
    check: ({ tidb }) =>
      /\bFULLTEXT\b/i.test(tidb) || /\bMATCH\s*\([^)]*\)\s*AGAINST\b/i.test(tidb)
        ? ['TiDB does not support FULLTEXT indexes or MATCH ... AGAINST']
        : [],
  },
  {
    id: 'spatial',
    summary: 'SPATIAL (GIS/GEOMETRY) functions, data types and indexes are not supported',
    docs: `${DOCS}/mysql-compatibility/#unsupported-features`,
    check: ({ tidb }) => {
      const type = SPATIAL_TYPES.exec(tidb)?.[1];
      if (/\bSPATIAL\b/i.test(tidb)) return ['TiDB does not support SPATIAL indexes'];
      return type ? [`TiDB does not support the spatial type ${type.toUpperCase()}`] : [];
    },
  },
  {
    id: 'charset',
    summary: 'character sets other than utf8mb4 and collations the three servers do not share',
    docs: `${DOCS}/character-set-and-collation/`,
    check: ({ tidb }) => {
      const messages: string[] = [];
      for (const match of all(tidb, /\b(?:CHARSET|CHARACTER\s+SET)\s*=?\s*([\w$]+)/gi)) {
        const charset = match[1]!.toLowerCase();
        if (charset !== 'utf8mb4' && charset !== 'default') {
          messages.push(`character set ${charset}: use utf8mb4 (TiDB supports few others, and utf8 is 3-byte)`);
        }
      }
      for (const match of all(tidb, /\bCOLLATE\s*=?\s*([\w$]+)/gi)) {
        const collation = match[1]!.toLowerCase();
        if (!PORTABLE_COLLATIONS.has(collation)) {
          messages.push(`collation ${collation}: use one of ${[...PORTABLE_COLLATIONS].join(', ')}`);
        }
      }
      if (/\bNATIONAL\b|\bN(?:VAR)?CHAR\s*\(/i.test(tidb)) messages.push('NCHAR/NATIONAL types: use utf8mb4 columns');
      return messages;
    },
  },
  {
    id: 'default-charset',
    summary: 'default character set and collation differ between TiDB, MySQL 8 and MariaDB',
    docs: `${DOCS}/mysql-compatibility/#default-differences`,
    check: ({ tidb }) => {
      if (!isCreateTable(tidb) || isCreateTableLike(tidb)) return [];
      const { options } = createTableParts(tidb);
      const messages: string[] = [];
      if (!/\b(?:CHARSET|CHARACTER\s+SET)\b/i.test(options)) {
        messages.push('state DEFAULT CHARSET = utf8mb4: MySQL 5.7 and MariaDB 10.11 (unconfigured) default to latin1');
      }
      if (!/\bCOLLATE\b/i.test(options)) {
        messages.push('state COLLATE: TiDB defaults to utf8mb4_bin, MySQL 8 to utf8mb4_0900_ai_ci, MariaDB to general_ci');
      }
      return messages;
    },
  },
  {
    id: 'lock-tables',
    summary: 'LOCK TABLES is disabled by default (enable-table-lock) and unavailable on TiDB Cloud Starter/Essential',
    docs: `${DOCS}/sql-statement-lock-tables-and-unlock-tables/`,
    check: ({ tidb }) =>
      /^(?:LOCK|UNLOCK)\s+TABLES?\b/i.test(tidb)
        ? ['table locks are off unless every TiDB server sets enable-table-lock; use transactions or GET_LOCK']
        : [],
  },
  {
    id: 'auto-increment',
    summary: 'AUTO_INCREMENT values are unique but not sequential across TiDB servers, and a hotspot as a key',
    docs: `${DOCS}/auto-increment/`,
    check: ({ tidb }) =>
      /\bAUTO_INCREMENT\b/i.test(tidb)
        ? [
            'AUTO_INCREMENT ids are cached per TiDB server (not in insert order across servers) and, as a key, ' +
              'send every insert to one Region: use app-generated ids, or waive with a reason',
          ]
        : [],
  },
  {
    id: 'auto-random',
    summary: 'AUTO_RANDOM only exists on TiDB and refuses explicit values by default',
    docs: `${DOCS}/auto-random/`,
    check: ({ tidb }) =>
      /\bAUTO_RANDOM\b/i.test(tidb)
        ? [
            'AUTO_RANDOM: MySQL/MariaDB skip the /*T![auto_rand] */ form (the column then has no generator there) and ' +
              'TiDB rejects explicit ids unless allow_auto_random_explicit_insert is on: keep ids app-generated',
          ]
        : [],
  },
  {
    id: 'tidb-syntax-outside-comment',
    summary: 'TiDB-only options must sit in /*T! ... */ comments, or MySQL and MariaDB reject the statement',
    docs: `${DOCS}/comment-syntax/#tidb-specific-comment-syntax`,
    check: ({ portable }) =>
      TIDB_ONLY_SYNTAX.filter((pattern) => pattern.test(portable)).map(
        (pattern) => `${pattern.exec(portable)![0].trim()} is TiDB-only: write it inside /*T! ... */`,
      ),
  },
  {
    id: 'versioned-comment',
    summary: 'TiDB runs every /*!NNNNN ... */ comment whatever the version number',
    docs: `${DOCS}/comment-syntax/#mysql-compatible-comment-syntax`,
    check: ({ text }) =>
      /\/\*!\d/.test(text) ? ['TiDB ignores the version in /*!NNNNN ... */ and always runs its content'] : [],
  },
  {
    id: 'write-hotspot',
    summary: 'rows of a table with a clustered key or a plain _tidb_rowid are written in key order: a hotspot',
    docs: `${DOCS}/troubleshoot-hot-spot-issues/`,
    check: ({ tidb }) => {
      if (!isCreateTable(tidb) || isCreateTableLike(tidb) || /\bSHARD_ROW_ID_BITS\b/i.test(tidb)) return [];
      return [
        'this table keys its rows by a clustered primary key or by the sequential _tidb_rowid: make the key ' +
          'NONCLUSTERED with SHARD_ROW_ID_BITS (in /*T! */ comments), or waive with the reason the key is random',
      ];
    },
  },
  {
    id: 'row-id-sharding',
    summary: 'SHARD_ROW_ID_BITS needs a NONCLUSTERED (or no) primary key; PRE_SPLIT_REGIONS <= SHARD_ROW_ID_BITS',
    docs: `${DOCS}/shard-row-id-bits/`,
    check: ({ tidb }) => {
      const messages: string[] = [];
      const shardBits = /\bSHARD_ROW_ID_BITS\s*=?\s*(\d+)/i.exec(tidb)?.[1];
      const preSplit = /\bPRE_SPLIT_REGIONS\s*=?\s*(\d+)/i.exec(tidb)?.[1];
      if (shardBits !== undefined && isCreateTable(tidb)) {
        const { elements } = createTableParts(tidb);
        const primaryKeys = elements.filter((element) => /\bPRIMARY\s+KEY\b/i.test(element));
        if (primaryKeys.some((element) => !/\bNONCLUSTERED\b/i.test(element))) {
          messages.push('SHARD_ROW_ID_BITS only applies to tables whose primary key is NONCLUSTERED (or absent)');
        }
      }
      const autoRandom = /\bAUTO_RANDOM\b/i.test(tidb);
      if (preSplit !== undefined && !autoRandom && (shardBits === undefined || Number(preSplit) > Number(shardBits))) {
        messages.push('PRE_SPLIT_REGIONS splits by the shard bits: it needs SHARD_ROW_ID_BITS >= PRE_SPLIT_REGIONS');
      }
      return messages;
    },
  },
  {
    id: 'foreign-key',
    summary: 'foreign keys are not enforced before v6.6 and experimental before v8.5',
    docs: `${DOCS}/foreign-key/`,
    check: ({ tidb }, target) => {
      if (!/\bFOREIGN\s+KEY\b|\bREFERENCES\b/i.test(tidb)) return [];
      if (before(target, '6.6')) return ['TiDB before v6.6 parses foreign keys but does not enforce them'];
      if (before(target, '8.5')) return ['foreign keys are experimental before TiDB v8.5'];
      return [];
    },
  },
  {
    id: 'multi-schema-change',
    summary: 'one ALTER TABLE may change only one column/index before v6.2',
    docs: `${DOCS}/sql-statement-alter-table/`,
    check: ({ tidb }, target) =>
      isAlterTable(tidb) && before(target, '6.2') && alterSpecs(tidb).length > 1
        ? ['TiDB before v6.2 fails with "Unsupported multi schema change": one change per ALTER TABLE']
        : [],
  },
  {
    id: 'alter-same-object',
    summary: 'one ALTER TABLE cannot change the same column or index twice, nor several TiDB table options',
    docs: `${DOCS}/mysql-compatibility/#ddl-operations`,
    check: ({ tidb }) => {
      if (!isAlterTable(tidb)) return [];
      const messages: string[] = [];
      const objects = new Map<string, number>();
      let tidbOptions = 0;
      for (const spec of alterSpecs(tidb)) {
        const target =
          /^(?:ADD|DROP)\s+(?:UNIQUE\s+)?(?:INDEX|KEY)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([\w$]+)/i.exec(spec) ??
          /^(?:RENAME|ALTER)\s+(?:INDEX|KEY)\s+([\w$]+)/i.exec(spec) ??
          /^(?:ADD|DROP)\s+(?:COLUMN\s+)?(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([\w$]+)/i.exec(spec) ??
          /^(?:MODIFY|ALTER|CHANGE|RENAME)\s+(?:COLUMN\s+)?([\w$]+)/i.exec(spec);
        const name = target?.[1]?.toLowerCase();
        const keywords = ['column', 'index', 'key', 'unique', 'primary', 'constraint', 'foreign', 'check', 'to', 'as'];
        if (name && !keywords.includes(name)) {
          objects.set(name, (objects.get(name) ?? 0) + 1);
        }
        if (/^(?:SHARD_ROW_ID_BITS|AUTO_ID_CACHE|AUTO_RANDOM_BASE|SET\s+TIFLASH\s+REPLICA|PRE_SPLIT_REGIONS)\b/i.test(spec)) {
          tidbOptions++;
        }
      }
      for (const [name, count] of objects) {
        if (count > 1) messages.push(`${name} is changed ${String(count)} times in one ALTER TABLE (unsupported)`);
      }
      if (tidbOptions > 1) messages.push('several TiDB-specific table options in one ALTER TABLE (unsupported)');
      return messages;
    },
  },
  {
    id: 'primary-key-change',
    summary: 'adding or dropping a CLUSTERED primary key is not supported',
    docs: `${DOCS}/clustered-indexes/`,
    check: ({ tidb }) =>
      isAlterTable(tidb) && /\b(?:ADD\s+(?:CONSTRAINT\s+[\w$]*\s*)?|DROP\s+)PRIMARY\s+KEY\b/i.test(tidb)
        ? ['TiDB cannot add or drop a clustered primary key: create a new table and copy the rows']
        : [],
  },
  {
    id: 'check-constraint',
    summary: 'CHECK constraints are ignored before v7.2 and, after, unless tidb_enable_check_constraint is ON',
    docs: `${DOCS}/constraints/#check`,
    check: ({ tidb }, target) => {
      if (!/\bCHECK\s*\(/i.test(tidb)) return [];
      return before(target, '7.2')
        ? ['TiDB before v7.2 parses CHECK constraints and ignores them: validate in the service']
        : ['TiDB only enforces CHECK constraints when tidb_enable_check_constraint is ON (default OFF)'];
    },
  },
  {
    id: 'descending-index',
    summary: 'descending indexes are not supported (DESC is parsed and ignored)',
    docs: `${DOCS}/mysql-compatibility/#unsupported-features`,
    check: ({ tidb }) => {
      const keyLists = [
        ...all(tidb, /\b(?:KEY|INDEX)\s*(?:[\w$]+\s*)?(?:USING\s+\w+\s*)?\(/gi),
        ...all(tidb, /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+[\w$]+\s+(?:USING\s+\w+\s+)?ON\s+[\w$.]+\s*\(/gi),
      ].map((match) => parenthesized(tidb, match.index + match[0].length - 1));
      return keyLists.some((list) => /\bDESC\b/i.test(list)) ? ['TiDB ignores DESC in index definitions'] : [];
    },
  },
  {
    id: 'create-table-select',
    summary: 'CREATE TABLE ... AS SELECT is not supported',
    docs: `${DOCS}/mysql-compatibility/#unsupported-features`,
    check: ({ tidb }) =>
      isCreateTable(tidb) && /\bSELECT\b/i.test(tidb)
        ? ['TiDB does not support CREATE TABLE ... SELECT: create the table, then INSERT ... SELECT']
        : [],
  },
  {
    id: 'unsupported-statement',
    summary: 'statements and clauses TiDB does not support (XA, CHECK/CHECKSUM/REPAIR/OPTIMIZE TABLE, ...)',
    docs: `${DOCS}/mysql-compatibility/#unsupported-features`,
    check: ({ tidb }) =>
      UNSUPPORTED_STATEMENTS.filter(([pattern]) => pattern.test(tidb)).map(([, name]) => `TiDB does not support ${name}`),
  },
  {
    id: 'storage-engine',
    summary: 'ENGINE is parsed and ignored: every TiDB table is transactional',
    docs: `${DOCS}/mysql-compatibility/#storage-engines`,
    check: ({ tidb }) => {
      const engine = /\bENGINE\s*=?\s*([\w$]+)/i.exec(tidb)?.[1];
      return engine && engine.toLowerCase() !== 'innodb'
        ? [`ENGINE = ${engine} is ignored by TiDB (and means something else on MySQL): leave it out`]
        : [];
    },
  },
  {
    id: 'one-statement',
    summary: 'one statement per query: TiDB (tidb_multi_statement_mode) and the runner refuse multi-statements',
    docs: `${DOCS}/system-variables/`,
    check: ({ tidb }) =>
      tidb.includes(';') ? ['two statements on one line: end each statement with ";" at the end of a line'] : [],
  },
];

interface Piece {
  text: string;
  line: number;
  comments: string[];
}

/**
 * Splits a migration file as the generated runner does: lines starting with `--` are comments, a
 * statement ends with `;` at the end of a line. Keeps each statement's first line and the comment
 * lines right above it.
 */
export function splitMigration(sql: string): Array<{ text: string; line: number; comments: string[] }> {
  const pieces: Piece[] = [];
  let current: { lines: string[]; line: number } | undefined;
  let comments: string[] = [];
  const lines = sql.replace(/\r\n/g, '\n').split('\n');
  lines.forEach((rawLine, i) => {
    if (rawLine.trimStart().startsWith('--')) {
      if (!current) comments.push(rawLine.trim());
      return;
    }
    if (!current) {
      if (rawLine.trim() === '') {
        return;
      }
      current = { lines: [], line: i + 1 };
    }
    const end = /;[ \t]*$/.exec(rawLine);
    current.lines.push(end ? rawLine.slice(0, end.index) : rawLine);
    if (end) {
      const text = current.lines.join('\n').trim();
      if (text !== '') pieces.push({ text, line: current.line, comments });
      current = undefined;
      comments = [];
    }
  });
  if (current) {
    const text = current.lines.join('\n').trim();
    if (text !== '') pieces.push({ text, line: current.line, comments });
  }
  return pieces;
}

/** Rewrites a statement into what one server executes (see {@link TidbDdlStatement}). */
function executedBy(server: 'tidb' | 'portable', sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; ) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    if (c === "'" || c === '"') {
      // String literal: keep the quotes, drop the content ('' and \' escapes).
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === '\\' || sql[j] === c ? 2 : 1;
      out += `${c}${c}`;
      i = j + 1;
    } else if (c === '`') {
      const j = sql.indexOf('`', i + 1);
      out += ` ${sql.slice(i + 1, j < 0 ? undefined : j).replace(/[^\w$]/g, '_')} `;
      i = j < 0 ? sql.length : j + 1;
    } else if (rest.startsWith('--') && /^--(?:\s|$)/.test(rest)) {
      const j = sql.indexOf('\n', i);
      i = j < 0 ? sql.length : j;
    } else if (c === '#') {
      const j = sql.indexOf('\n', i);
      i = j < 0 ? sql.length : j;
    } else if (rest.startsWith('/*')) {
      const j = sql.indexOf('*/', i + 2);
      const body = sql.slice(i + 2, j < 0 ? undefined : j);
      i = j < 0 ? sql.length : j + 2;
      const tidbOnly = /^T!(?:\[[\w,\s]*\])?/.exec(body);
      const mysql = /^!\d*/.exec(body);
      if (tidbOnly) out += server === 'tidb' ? ` ${body.slice(tidbOnly[0].length)} ` : ' ';
      else if (mysql) out += ` ${body.slice(mysql[0].length)} `;
      else out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/\s+/g, ' ').trim();
}

const ALLOW = /^--\s*tidb-ddl-check:\s*allow\s+([\w-]+)\s*(?:--|:)\s*(\S.{9,})$/;

export function parseStatements(sql: string): TidbDdlStatement[] {
  return splitMigration(sql).map((piece, i) => ({
    index: i + 1,
    line: piece.line,
    text: piece.text,
    tidb: executedBy('tidb', piece.text),
    portable: executedBy('portable', piece.text),
    allowed: new Set(
      piece.comments.flatMap((comment) => {
        const match = ALLOW.exec(comment);
        return match?.[1] ? [match[1]] : [];
      }),
    ),
  }));
}

/** Findings for one migration file; an empty list means none of the rules matched. */
export function checkTidbDdl(sql: string, options: TidbDdlCheckOptions = {}): TidbDdlFinding[] {
  const target = parseTidbVersion(options.target ?? DEFAULT_TIDB_TARGET);
  const file = options.file ?? '<sql>';
  return parseStatements(sql).flatMap((statement) =>
    TIDB_DDL_RULES.filter((rule) => !statement.allowed.has(rule.id)).flatMap((rule) =>
      rule.check(statement, target).map((message) => ({
        rule: rule.id,
        file,
        statement: statement.index,
        line: statement.line,
        message,
        docs: rule.docs,
      })),
    ),
  );
}

/** One line per finding, for assertion messages. */
export function formatFindings(findings: readonly TidbDdlFinding[]): string {
  return findings.map((f) => `${f.file}:${String(f.line)} [${f.rule}] ${f.message} (${f.docs})`).join('\n');
}
