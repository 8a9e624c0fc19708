import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CHOICES, type ChoiceKey } from './choices.js';
import { templateDir } from './paths.js';
import { choiceFolder, choiceManifest } from './stack.js';

/**
 * Names a service cannot take because the generated repo already gives them a meaning. One table,
 * built from five sources; a service name is refused when its kebab-case spelling (folder, compose
 * service, host name) or its snake_case spelling (database and database user) equals an entry.
 */
export type ReservedReason = 'idl-code' | 'database-system' | 'host-name' | 'stack-service' | 'sql-reserved';

export interface ReservedName {
  /** As the generated repo spells it: kebab-case for compose services, snake_case for SQL names. */
  name: string;
  reason: ReservedReason;
  /** What the name already is, completing "Service name "x" ..." (one clause, no final period). */
  problem: string;
  /** Stack services that only some stacks have: the choice that brings them. */
  choice?: { key: ChoiceKey; value: string };
}

/** When a name has several meanings, the first reason in this order names the problem. */
export const REASON_ORDER: readonly ReservedReason[] = [
  'idl-code', 'database-system', 'host-name', 'stack-service', 'sql-reserved',
];

// Words that would make the generated IDL, SQL or TS identifiers invalid or confusing.
const IDL_CODE_WORDS = [
  'service', 'message', 'package', 'import', 'option', 'enum', 'rpc', 'returns', 'syntax',
  'namespace', 'struct', 'exception', 'include', 'typedef', 'default', 'delete', 'new',
  'class', 'function', 'const', 'test', 'node-modules', 'shared', 'common',
];

/**
 * Schemas and accounts the database servers (MariaDB 10.11 in the compose stack, MySQL 8.0, TiDB)
 * create themselves. db-init makes each service's database and user under the service's snake_case
 * name and grants the user everything on that database. MySQL's `mysql.sys`, `mysql.session`,
 * `mysql.infoschema` and MariaDB's `mariadb.sys` accounts hold a dot, which the name syntax refuses
 * before this table is read.
 */
const DATABASE_SYSTEM_NAMES: ReadonlyArray<[string, string]> = [
  ['root', "is the database administrator account (db-init would give root the service's password)"],
  ['mysql', 'names the system schema of MySQL, MariaDB and TiDB (the service would get all privileges on it)'],
  ['sys', 'names the sys schema of MySQL, MariaDB and TiDB (the service would get all privileges on it)'],
  ['information_schema', 'names a system schema of MySQL, MariaDB and TiDB (db-init fails on it, so the stack does not start)'],
  ['performance_schema', 'names a system schema of MySQL, MariaDB and TiDB (the service would get privileges on it)'],
  ['metrics_schema', "names TiDB's METRICS_SCHEMA system schema"],
  ['workload_schema', "names the schema of TiDB's workload repository"],
  ['healthcheck', "names the MariaDB image's healthcheck account, whose connections the stack's audit log leaves out"],
];

/**
 * Names every container resolves from its own /etc/hosts (Docker writes these lines) before asking
 * the compose network's DNS: a service by that name would be unreachable under it.
 */
const HOST_NAMES = ['localhost', 'ip6-localhost', 'ip6-loopback', 'ip6-localnet', 'ip6-mcastprefix', 'ip6-allnodes', 'ip6-allrouters'];

/**
 * MySQL 8.0 reserved words: the words marked (R) in "Keywords and Reserved Words in MySQL 8.0"
 * (https://dev.mysql.com/doc/refman/8.0/en/keywords.html), as of 8.0.32+. `_FILENAME` is left out:
 * no service name can spell it.
 */
const MYSQL_80_RESERVED = `
  ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT BINARY BLOB BOTH BY
  CALL CASCADE CASE CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT CONTINUE CONVERT
  CREATE CROSS CUBE CUME_DIST CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR
  DATABASE DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE DAY_SECOND DEC DECIMAL DECLARE DEFAULT
  DELAYED DELETE DENSE_RANK DESC DESCRIBE DETERMINISTIC DISTINCT DISTINCTROW DIV DOUBLE DROP DUAL
  EACH ELSE ELSEIF EMPTY ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN
  FALSE FETCH FIRST_VALUE FLOAT FLOAT4 FLOAT8 FOR FORCE FOREIGN FROM FULLTEXT FUNCTION
  GENERATED GET GRANT GROUP GROUPING GROUPS HAVING HIGH_PRIORITY HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND
  IF IGNORE IN INDEX INFILE INNER INOUT INSENSITIVE INSERT INT INT1 INT2 INT3 INT4 INT8 INTEGER INTERSECT
  INTERVAL INTO IO_AFTER_GTIDS IO_BEFORE_GTIDS IS ITERATE JOIN JSON_TABLE KEY KEYS KILL
  LAG LAST_VALUE LATERAL LEAD LEADING LEAVE LEFT LIKE LIMIT LINEAR LINES LOAD LOCALTIME LOCALTIMESTAMP
  LOCK LONG LONGBLOB LONGTEXT LOOP LOW_PRIORITY
  MASTER_BIND MASTER_SSL_VERIFY_SERVER_CERT MATCH MAXVALUE MEDIUMBLOB MEDIUMINT MEDIUMTEXT MIDDLEINT
  MINUTE_MICROSECOND MINUTE_SECOND MOD MODIFIES NATURAL NOT NO_WRITE_TO_BINLOG NTH_VALUE NTILE NULL NUMERIC
  OF ON OPTIMIZE OPTIMIZER_COSTS OPTION OPTIONALLY OR ORDER OUT OUTER OUTFILE OVER
  PARTITION PERCENT_RANK PRECISION PRIMARY PROCEDURE PURGE
  RANGE RANK READ READS READ_WRITE REAL RECURSIVE REFERENCES REGEXP RELEASE RENAME REPEAT REPLACE REQUIRE
  RESIGNAL RESTRICT RETURN REVOKE RIGHT RLIKE ROW ROWS ROW_NUMBER
  SCHEMA SCHEMAS SECOND_MICROSECOND SELECT SENSITIVE SEPARATOR SET SHOW SIGNAL SMALLINT SPATIAL SPECIFIC
  SQL SQLEXCEPTION SQLSTATE SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING
  STORED STRAIGHT_JOIN SYSTEM
  TABLE TERMINATED THEN TINYBLOB TINYINT TINYTEXT TO TRAILING TRIGGER TRUE
  UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE USAGE USE USING UTC_DATE UTC_TIME UTC_TIMESTAMP
  VALUES VARBINARY VARCHAR VARCHARACTER VARYING VIRTUAL WHEN WHERE WHILE WINDOW WITH WRITE
  XOR YEAR_MONTH ZEROFILL
`;

/**
 * TiDB reserved words: the words marked (R) and (R-Window) in TiDB's "Keywords"
 * (https://docs.pingcap.com/tidb/stable/keywords, pingcap/docs keywords.md), the same set as the
 * `reserved` section of the parser's generated pkg/parser/keywords.go.
 */
const TIDB_RESERVED = `
  ADD ALL ALTER ANALYZE AND ARRAY AS ASC BETWEEN BIGINT BINARY BLOB BOTH BY
  CALL CASCADE CASE CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONSTRAINT CONTINUE CONVERT CREATE CROSS
  CUME_DIST CURRENT_DATE CURRENT_ROLE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR
  DATABASE DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE DAY_SECOND DECIMAL DEFAULT DELAYED DELETE
  DENSE_RANK DESC DESCRIBE DISTINCT DISTINCTROW DIV DOUBLE DROP DUAL
  ELSE ELSEIF ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN
  FALSE FETCH FIRST_VALUE FLOAT FLOAT4 FLOAT8 FOR FORCE FOREIGN FROM FULLTEXT
  GENERATED GRANT GROUP GROUPS HAVING HIGH_PRIORITY HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND
  IF IGNORE ILIKE IN INDEX INFILE INNER INOUT INSERT INT INT1 INT2 INT3 INT4 INT8 INTEGER INTERSECT
  INTERVAL INTO IS ITERATE JOIN KEY KEYS KILL
  LAG LAST_VALUE LEAD LEADING LEAVE LEFT LIKE LIMIT LINEAR LINES LOAD LOCALTIME LOCALTIMESTAMP LOCK
  LONG LONGBLOB LONGTEXT LOW_PRIORITY
  MATCH MAXVALUE MEDIUMBLOB MEDIUMINT MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND MINUTE_SECOND MOD
  NATURAL NOT NO_WRITE_TO_BINLOG NTH_VALUE NTILE NULL NUMERIC
  OF ON OPTIMIZE OPTION OPTIONALLY OR ORDER OUT OUTER OUTFILE OVER
  PARTITION PERCENT_RANK PRECISION PRIMARY PROCEDURE
  RANGE RANK READ REAL RECURSIVE REFERENCES REGEXP RELEASE RENAME REPEAT REPLACE REQUIRE RESTRICT
  REVOKE RIGHT RLIKE ROW ROWS ROW_NUMBER
  SECOND_MICROSECOND SELECT SET SHOW SMALLINT SPATIAL SQL SQLEXCEPTION SQLSTATE SQLWARNING
  SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STORED STRAIGHT_JOIN
  TABLE TABLESAMPLE TERMINATED THEN TIDB_CURRENT_TSO TINYBLOB TINYINT TINYTEXT TO TRAILING TRIGGER TRUE
  UNION UNIQUE UNLOCK UNSIGNED UNTIL UPDATE USAGE USE USING UTC_DATE UTC_TIME UTC_TIMESTAMP
  VALUES VARBINARY VARCHAR VARCHARACTER VARYING VIRTUAL WHEN WHERE WHILE WINDOW WITH WRITE
  XOR YEAR_MONTH ZEROFILL
`;

export const SQL_RESERVED_WORDS = {
  'MySQL 8.0': words(MYSQL_80_RESERVED),
  TiDB: words(TIDB_RESERVED),
} as const;

function words(list: string): string[] {
  return list.trim().split(/\s+/).map((word) => word.toLowerCase());
}

let table: readonly ReservedName[] | undefined;

/** The whole table, in REASON_ORDER (built on first use: the stack's names are read from the templates). */
export function reservedNames(): readonly ReservedName[] {
  table ??= [
    ...IDL_CODE_WORDS.map((name) => entry(name, 'idl-code', 'is a reserved word in the generated IDL or code')),
    ...DATABASE_SYSTEM_NAMES.map(([name, problem]) => entry(name, 'database-system', problem)),
    ...HOST_NAMES.map((name) => entry(name, 'host-name', 'is a host name every container resolves to itself, so the stack could not reach the service by it')),
    ...stackServiceNames(),
    ...sqlReservedNames(),
  ];
  return table;
}

function entry(name: string, reason: ReservedReason, problem: string): ReservedName {
  return { name, reason, problem };
}

/** The first entry (in REASON_ORDER) that the kebab-case name or its snake_case form spells. */
export function findReservedName(name: string, snakeName: string): ReservedName | undefined {
  return reservedNames().find((reserved) => reserved.name === name || reserved.name === snakeName);
}

function sqlReservedNames(): ReservedName[] {
  const sources = new Map<string, string[]>();
  for (const [source, list] of Object.entries(SQL_RESERVED_WORDS)) {
    for (const word of list) sources.set(word, [...(sources.get(word) ?? []), source]);
  }
  return [...sources].map(([word, from]) =>
    entry(word, 'sql-reserved', `is a reserved word in ${from.join(' and ')} SQL`));
}

/**
 * The compose stack's own services: each choice's server (its choice.json `container.alias`, for
 * every value of every choice, since the repo may be generated with any of them) and the services
 * written literally in docker-compose.yml and the partials it includes.
 */
function stackServiceNames(): ReservedName[] {
  const names = new Map<string, ReservedName>();
  for (const { key, available } of CHOICES) {
    for (const value of available) {
      const manifest = choiceManifest(key, value);
      if (!manifest.container) continue;
      const problem = `is the compose service of the ${manifest.label} server (with --${key} ${value})`;
      names.set(manifest.container.alias, { ...entry(manifest.container.alias, 'stack-service', problem), choice: { key, value } });
    }
  }
  for (const { service, profile } of composeTemplateServices()) {
    if (names.has(service)) continue;
    const where = profile ? ` (profile ${profile})` : '';
    names.set(service, entry(service, 'stack-service', `is a service of the generated docker-compose.yml${where}`));
  }
  return [...names.values()];
}

const COMPOSE_TEMPLATE = ['ops', 'files', 'docker-compose.yml'];
// A service key: two spaces, a literal name, a colon, nothing else (`  <%= s.name %>:` is not literal).
const SERVICE_KEY = /^ {2}([a-z][a-z0-9-]*):[ \t]*$/;
const PARTIAL_CALL = /partial\('(\w+)', '([^']+)'\)/g;

/** Literal service keys of the compose template and of every partial it includes, with their profile. */
export function composeTemplateServices(): Array<{ service: string; profile?: string }> {
  const compose = readFileSync(templateDir(...COMPOSE_TEMPLATE), 'utf8');
  // Only the `services:` mapping: the top-level `volumes:` one holds keys at the same indentation.
  const services = /^services:\n([\s\S]*?)(?=^[a-z][\w-]*:)/m.exec(compose)?.[1] ?? '';
  return [services, ...includedPartials(services)].flatMap(serviceKeys);
}

function includedPartials(text: string, seen = new Set<string>()): string[] {
  const texts: string[] = [];
  for (const [, kind, name] of text.matchAll(PARTIAL_CALL)) {
    const folders = kind === 'ops'
      ? [['ops']]
      : CHOICES.filter((choice) => choice.key === kind).flatMap((choice) => choice.available.map((value) => choiceFolder(choice.key, value)));
    for (const folder of folders) {
      const file = path.join(templateDir(...folder), 'partials', `${name}.ejs`);
      if (seen.has(file)) continue;
      seen.add(file);
      let partial: string;
      try {
        partial = readFileSync(file, 'utf8');
      } catch {
        continue; // a choice value without this partial
      }
      texts.push(partial, ...includedPartials(partial, seen));
    }
  }
  return texts;
}

function serviceKeys(text: string): Array<{ service: string; profile?: string }> {
  const lines = text.split('\n');
  const starts = lines.flatMap((line, index) => (SERVICE_KEY.test(line) ? [index] : []));
  return starts.map((start, i) => {
    const service = SERVICE_KEY.exec(lines[start]!)![1]!;
    // The first item under `profiles:` within the service's own lines.
    const body = lines.slice(start + 1, starts[i + 1] ?? lines.length);
    const at = body.findIndex((line) => line.trim() === 'profiles:');
    const profile = at >= 0 ? /^\s*- "?([\w-]+)"?\s*$/.exec(body[at + 1] ?? '')?.[1] : undefined;
    return profile ? { service, profile } : { service };
  });
}
