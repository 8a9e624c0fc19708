import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { StackChoices } from '../../generators/shared/choices.js';
import { serviceNames, validateServiceName } from '../../generators/shared/names.js';
import { composeTemplateServices, reservedNames, SQL_RESERVED_WORDS } from '../../generators/shared/reserved-names.js';
import { opsGenerator } from '../../generators/ops/generator.js';
import { projectVariables, renderFolder } from '../../generators/shared/render.js';
import { writeLocalEnvFiles } from '../../generators/workspace/local-env.js';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { tempDir } from '../cli/run-cli.js';
import { dbInitScript } from '../support/compose-file.js';
import { nginxTest, run } from '../support/isolated.js';
import { startMariaDb, type MariaDb } from '../support/servers.js';
import { answersFor, emptyTree, renderedFiles, writeFiles } from './fixtures.js';

/**
 * The reserved-name table against the real files: names it refuses are forced through the generator
 * (the generators never validate; the CLI does) and shown to break the generated stack with the real
 * tools (docker-compose 1.29 `config`, which needs no engine; Debian's mariadbd with the generated
 * audit.cnf; nginx -t), and a sample of accepted names is shown to work with the same tools plus
 * protoc and the Apache thrift compiler. The IDL/code words are not shown to break anything: protoc and
 * the Apache compiler accept them as package names; they stay refused as before. TiDB's own schemas
 * (metrics_schema, workload_schema) are not run: there is no TiDB here. Needs docker-compose,
 * mariadb-server, nginx, protobuf-compiler, thrift-compiler, and root for nginx's private /etc/hosts
 * (see test/support/isolated.ts).
 */

const PROFILES = ['--profile', 'logging', '--profile', 'observability'];

const renders = new Map<string, string>();

/** Renders a whole repo to disk with its .env (the CLI's secrets step), bypassing name validation; once per input. */
function renderRepo(services: string[], choices: Partial<StackChoices> = {}): string {
  const key = JSON.stringify([services, choices]);
  if (!renders.has(key)) {
    const tree = emptyTree();
    workspaceGenerator(tree, answersFor(choices, services));
    renders.set(key, writeTree(tree));
  }
  return renders.get(key)!;
}

/** Just the root files and the ops layer (docker-compose.yml, .env.example): enough for db-init, and fast. */
function renderStack(services: string[]): string {
  const tree = emptyTree();
  const answers = answersFor({}, services);
  renderFolder(tree, ['workspace'], '.', projectVariables(answers));
  opsGenerator(tree, answers);
  return writeTree(tree);
}

function writeTree(tree: ReturnType<typeof emptyTree>): string {
  const files = renderedFiles(tree);
  const dir = writeFiles(tempDir('csb-reserved-'), files);
  writeLocalEnvFiles(dir, [...files.keys()]);
  return dir;
}

function readEnv(dir: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path.join(dir, '.env'), 'utf8').split('\n')
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

type Compose = { services: Record<string, { image?: string; build?: { dockerfile?: string } }> };

function composeConfig(dir: string) {
  const result = run('docker-compose', [...PROFILES, 'config'], { cwd: dir });
  return { ...result, config: result.status === 0 ? (parse(result.stdout) as Compose) : undefined };
}

const isAppService = (config: Compose | undefined, name: string) =>
  config?.services[name]?.build?.dockerfile === `services/${name}/Dockerfile`;

describe('the stack-service entries are the services of the real compose file', () => {
  it('equal what docker-compose config resolves, every profile on, beside the app services, across every choice value', () => {
    const stackNames = reservedNames().filter((entry) => entry.reason === 'stack-service').map((entry) => entry.name);
    const resolved = new Set<string>();
    // Two repos cover every value of every choice that brings a server or a compose partial.
    for (const choices of [{}, { rpc: 'thrift', discovery: 'consul', db: 'tidb', ci: 'jenkins' }] as const) {
      const dir = renderRepo(['api', 'order-book'], choices);
      const result = run('docker-compose', [...PROFILES, 'config', '--services'], { cwd: dir });
      expect(result.status, result.output).toBe(0);
      const services = result.stdout.trim().split('\n').filter((name) => !['api', 'order-book'].flatMap((app) => [app, `${app}-migrate`]).includes(name));
      expect(services.filter((name) => !stackNames.includes(name)), 'services missing from the table').toEqual([]);
      for (const name of services) resolved.add(name);
    }
    expect(stackNames.filter((name) => !resolved.has(name)), 'table entries no stack has').toEqual([]);
  });

  it('are read from the templates with the profile that starts them', () => {
    expect(composeTemplateServices()).toEqual(expect.arrayContaining([
      { service: 'db-init' }, { service: 'gateway' }, { service: 'kibana', profile: 'logging' },
      { service: 'grafana', profile: 'observability' },
    ]));
  });
});

describe('refused names break the generated stack when forced through the generator', () => {
  const stackEntries = reservedNames().filter((entry) => entry.reason === 'stack-service');

  it.each(stackEntries.map((entry) => [entry.name, entry] as const))(
    'stack service %j: the generator cannot write both, docker-compose config fails, or the app service is replaced',
    (name, entry) => {
      const choices = (entry.choice ? { [entry.choice.key]: entry.choice.value } : {}) as Partial<StackChoices>;
      let repo: string;
      try {
        repo = renderRepo(['api', name], choices);
      } catch (error) {
        // db-init: its Kubernetes staging secret sample is the path the service's would take.
        expect(String(error)).toMatch(/Generated file already exists/);
        return;
      }
      const { status, output, config } = composeConfig(repo);
      if (status === 0) {
        expect(isAppService(config, name), `${name} is still the app service`).toBe(false);
        expect(isAppService(config, 'api')).toBe(true);
      } else {
        expect(output.trim(), 'docker-compose says why').not.toBe('');
      }
    },
  );

  it('host name "localhost": nginx resolves it without the compose network, so the gateway would proxy to itself', () => {
    // A normal name resolves only through the compose network's DNS: without it nginx refuses the
    // upstream. "localhost" resolves from /etc/hosts alone, to the gateway's own loopback.
    const dir = renderRepo(['api', 'localhost']);
    const gateway = path.join(dir, 'ops/nginx/gateway.conf');
    expect(readFileSync(path.join(dir, 'ops/nginx/services/localhost.http.conf'), 'utf8')).toMatch(/server localhost:\d+;/);
    const withoutApi = nginxTest(gateway, []);
    expect(withoutApi.output).toMatch(/host not found in upstream "api:\d+"/);
    const withApiOnly = nginxTest(gateway, ['api']);
    expect(withApiOnly.status, withApiOnly.output).toBe(0);
  });
});

/**
 * A real MariaDB set up as the compose stack's is: the generated audit.cnf loaded, and `root` at
 * host '%' with the admin password (the official image's default MARIADB_ROOT_HOST). db-init's own
 * command runs against it, its `mariadb -h <alias> -P <port>` pointed here by a wrapper on PATH.
 */
let db: MariaDb;
let auditLog = '';
let wrapperDir = '';

beforeAll(async () => {
  const cnf = renderedFiles(opsRender(['api'])).get('ops/mariadb/audit.cnf')!.toString('utf8');
  const flags = cnf.split('\n').filter((line) => /^[a-z_]+ = /.test(line))
    .map((line) => line.split(' = ') as [string, string])
    .map(([key, value]) => `--${key.replaceAll('_', '-')}=${value}`);
  auditLog = path.join(tempDir('csb-reserved-audit-'), 'server_audit.log');
  db = await startMariaDb({ extraArgs: [...flags, `--server-audit-file-path=${auditLog}`] });
  await db.query(
    "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';\n" +
      "CREATE USER 'root'@'%' IDENTIFIED BY 'unset';\nGRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;\n",
  );
  wrapperDir = tempDir('csb-reserved-bin-');
  const client = run('sh', ['-c', 'command -v mariadb']).stdout.trim();
  writeFileSync(path.join(wrapperDir, 'mariadb'), `#!/bin/sh\nexec ${client} --no-defaults "$@" --protocol=tcp -h 127.0.0.1 -P ${db.port}\n`, { mode: 0o755 });
}, 90_000);

afterAll(async () => {
  await db?.stop();
});

function opsRender(services: string[]) {
  const tree = emptyTree();
  opsGenerator(tree, answersFor({}, services));
  return tree;
}

/** The SQL as the templates wrote it before identifiers were quoted. */
const unquoted = (script: string) => script.replaceAll('\\`', '').replaceAll('\\_', '_');

async function runDbInit(dir: string, script = dbInitScript(dir), extraClientArgs = '', overrides: Record<string, string> = {}) {
  const env = { ...readEnv(dir), ...overrides };
  await db.query(`ALTER USER 'root'@'%' IDENTIFIED BY '${env.DB_ROOT_PASSWORD}';`);
  const finalScript = extraClientArgs ? script.replace('<<SQL', `${extraClientArgs} <<SQL`) : script;
  // A file, not `sh -c`: a stack of every reserved word makes a script over the kernel's limit for one argument.
  const file = path.join(tempDir('csb-db-init-'), 'db-init.sh');
  writeFileSync(file, finalScript);
  const result = spawnSync('sh', [file], {
    encoding: 'utf8', timeout: 60_000, env: { ...env, PATH: `${wrapperDir}:${process.env.PATH}` },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}` };
}

/** Runs SQL as `user` over TCP, as a service connects. */
function asUser(user: string, password: string, sql: string) {
  return run('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(db.port), '-u', user, `-p${password}`, '--batch', '-e', sql]);
}

describe('refused database names break or weaken the real database (MariaDB, as in the compose stack)', () => {
  it('"root": db-init hands the administrator account the service\'s password', async () => {
    const dir = renderRepo(['root']);
    const env = readEnv(dir);
    const result = await runDbInit(dir);
    expect(result.status, result.output).toBe(0);
    expect(asUser('root', env.DB_ROOT_PASSWORD!, 'SELECT 1').status).not.toBe(0);
    expect(asUser('root', env.ROOT_DB_PASSWORD!, 'SELECT COUNT(*) FROM mysql.global_priv').status).toBe(0);
  });

  // The performance_schema UPDATE switches instrumentation off; a service without the grant is denied it.
  const SWITCH_OFF = "UPDATE performance_schema.setup_consumers SET ENABLED = 'NO' WHERE NAME = 'global_instrumentation'";

  it.each([
    ['mysql', 'SELECT COUNT(*) FROM mysql.global_priv'],
    ['sys', 'CREATE TABLE sys.items (id INT)'],
    ['performance-schema', SWITCH_OFF],
  ])('%j: db-init grants the service privileges on a system schema', async (name, sql) => {
    const dir = renderRepo(['api', name]);
    const result = await runDbInit(dir);
    expect(result.status, result.output).toBe(0);
    const env = readEnv(dir);
    // The schema owner's account: the one that gets every privilege on the service's database.
    const { constantName, migrationUser } = serviceNames(name);
    const access = asUser(migrationUser, env[`${constantName}_DB_MIGRATION_PASSWORD`]!, sql);
    expect(access.status, access.output).toBe(0);
    expect(asUser('api-migrate', env.API_DB_MIGRATION_PASSWORD!, sql).status, 'an ordinary service is denied the same').not.toBe(0);
  });

  it('"information-schema": db-init fails, so no service starts', async () => {
    const result = await runDbInit(renderRepo(['information-schema']));
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Access denied for user 'root'@'[^']*' to database 'information_schema'/);
  });

  it('"healthcheck": the audit log leaves out everything the service does', async () => {
    const dir = renderRepo(['api', 'healthcheck']);
    expect(readFileSync(path.join(dir, 'ops/mariadb/audit.cnf'), 'utf8')).toMatch(/^server_audit_excl_users = healthcheck$/m);
    expect((await runDbInit(dir)).status).toBe(0);
    const env = readEnv(dir);
    // The serving account's DDL, on the one database where it may change the schema: its tests' own.
    expect(asUser('api', env.API_DB_PASSWORD!, 'CREATE TABLE api_test.audited_api (id INT)').status).toBe(0);
    expect(asUser('healthcheck', env.HEALTHCHECK_DB_PASSWORD!, 'CREATE TABLE healthcheck_test.audited_hc (id INT)').status).toBe(0);
    await expect.poll(() => (existsSync(auditLog) ? readFileSync(auditLog, 'utf8') : ''), { timeout: 5_000 }).toContain('audited_api');
    expect(readFileSync(auditLog, 'utf8')).not.toContain('audited_hc');
  });
});

describe('db-init keeps its secrets (real MariaDB, with the audit plugin)', () => {
  it('no password reaches the audit log', async () => {
    const dir = renderRepo(['api', 'billing']);
    const result = await runDbInit(dir);
    expect(result.status, result.output).toBe(0);
    const env = readEnv(dir);
    await expect.poll(() => (existsSync(auditLog) ? readFileSync(auditLog, 'utf8') : ''), { timeout: 5_000 }).toContain('billing');
    const log = readFileSync(auditLog, 'utf8');
    for (const variable of ['DB_ROOT_PASSWORD', 'API_DB_PASSWORD', 'BILLING_DB_PASSWORD']) expect(log, variable).not.toContain(env[variable]!);
  });

  it('the administrator\'s password is not on the client\'s command line (ps shows it), and it still connects', async () => {
    const dir = renderRepo(['api']);
    const script = dbInitScript(dir);
    expect(script).not.toMatch(/ -p/);
    expect(script).toMatch(/MYSQL_PWD="\$DB_ROOT_PASSWORD" mariadb /);
    const result = await runDbInit(dir, script);
    expect(result.status, result.output).toBe(0);
    expect(asUser('api', readEnv(dir).API_DB_PASSWORD!, 'SELECT 1').status).toBe(0);
  });

  it.each([["it's"], ['a\\b'], ['x$(id)'], ['two words']])('refuses a service password %j, which the SQL would not keep quoted, before any SQL runs', async (password) => {
    const dir = renderRepo(['api', 'billing']);
    const env = readEnv(dir);
    await db.query("DROP USER IF EXISTS 'billing'@'%';");
    const result = await runDbInit(dir, dbInitScript(dir), '', { BILLING_DB_PASSWORD: password });
    expect(result.status).toBe(1);
    expect(result.output.trim()).toBe('db-init: BILLING_DB_PASSWORD in .env may hold only letters, digits and _ . ~ + / = -');
    expect(asUser('billing', env.BILLING_DB_PASSWORD!, 'SELECT 1').status).not.toBe(0);
  });
});

describe('SQL reserved words', () => {
  const words = [...new Set(Object.values(SQL_RESERVED_WORDS).flat())];

  it('break the db-init SQL as it was written unquoted, and pass it quoted (every word of the table, real MariaDB)', async () => {
    // Every word as a service of one stack (root files and ops layer only: what db-init reads).
    const dir = renderStack(words);
    const script = dbInitScript(dir);

    const quoted = await runDbInit(dir, script);
    expect(quoted.status, quoted.output).toBe(0);
    const list = words.map((word) => `'${word}'`).join(', ');
    const created = await db.query(`SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name IN (${list});`);
    expect(created.split('\n')[1]).toBe(String(words.length));

    // --force runs every statement and reports each failure with its line: one line per statement.
    const old = await runDbInit(dir, unquoted(script), '--force');
    const sqlLines = unquoted(script).split('<<SQL\n')[1]!.split('\n');
    const failed = new Set([...old.output.matchAll(/^ERROR (\d+) \(\w+\) at line (\d+)/gm)].map(([, code, line]) => {
      expect(code).toBe('1064'); // a syntax error, nothing else
      return /ON ([a-z0-9_]+)\.\*|EXISTS ([a-z0-9_]+) /.exec(sqlLines[Number(line) - 1]!)?.slice(1).find(Boolean);
    }));
    expect(failed).not.toContain(undefined);
    // MariaDB 10.11 does not reserve every MySQL 8.0 or TiDB word (window functions, TiDB's own...),
    // but it refuses most of them unquoted, among them all of these.
    expect([...failed].length).toBeGreaterThan(words.length * 0.8);
    for (const word of ['order', 'select', 'group', 'key', 'index', 'current_date', 'int1', 'utc_time', 'sql_big_result']) {
      expect(failed, word).toContain(word);
    }
  }, 60_000);
});

describe('accepted names work with the real tools', () => {
  // SQL keywords that are not reserved, MariaDB-only reserved words, IDL and TS words, images the stack
  // runs under other service names, and names whose GRANT pattern (`_` is a wildcard) would match a
  // system schema: m_sql matches mysql, s_s matches sys.
  const SAMPLE = [
    'api', 'order-book', 'status', 'user', 'data', 'public', 'offset', 'returning',
    'stream', 'required', 'oneway', 'type', 'async', 'db', 'mariadb', 'm-sql', 's-s',
  ];

  it('are accepted', () => {
    for (const name of SAMPLE) expect(validateServiceName(name), name).toBeUndefined();
  });

  it.each([{}, { rpc: 'thrift', discovery: 'consul', db: 'tidb', ci: 'jenkins' }] as const)(
    'docker-compose config -q passes with every profile (%o)',
    (choices) => {
      const result = run('docker-compose', [...PROFILES, 'config', '-q'], { cwd: renderRepo(SAMPLE, choices) });
      expect(result.status, result.output).toBe(0);
    },
  );

  it('db-init runs on MariaDB, and each service reaches its own database only', async () => {
    const dir = renderRepo(SAMPLE);
    const result = await runDbInit(dir);
    expect(result.status, result.output).toBe(0);
    const env = readEnv(dir);
    for (const name of SAMPLE) {
      const { snakeName: snake, constantName, migrationUser } = serviceNames(name);
      const [password, ownerPassword] = [env[`${constantName}_DB_PASSWORD`]!, env[`${constantName}_DB_MIGRATION_PASSWORD`]!];
      // The schema owner makes the table; the serving account may use its rows, and change no schema.
      const schema = asUser(migrationUser, ownerPassword, `CREATE TABLE \`${snake}\`.items (id INT)`);
      expect(schema.status, `${name}: ${schema.output}`).toBe(0);
      const rows = asUser(snake, password, `INSERT INTO \`${snake}\`.items VALUES (1); SELECT COUNT(*) FROM \`${snake}\`.items`);
      expect(rows.status, `${name}: ${rows.output}`).toBe(0);
      expect(asUser(snake, password, `CREATE TABLE \`${snake}\`.intruder (id INT)`).status, name).not.toBe(0);
      for (const [user, secret] of [[snake, password], [migrationUser, ownerPassword]] as const) {
        expect(asUser(user, secret, 'SELECT COUNT(*) FROM mysql.global_priv').status, user).not.toBe(0);
        expect(asUser(user, secret, 'CREATE TABLE sys.intruder (id INT)').status, user).not.toBe(0);
      }
    }
  });

  it('db-init as written before (names unquoted, GRANT without `\\_`) failed on MariaDB-only words and gave m-sql and s-s system schemas', async () => {
    const dir = renderRepo(SAMPLE);
    const old = await runDbInit(dir, unquoted(dbInitScript(dir)), '--force');
    // MariaDB reserves OFFSET and RETURNING, MySQL 8.0 and TiDB do not: quoting is what makes them work.
    const lines = unquoted(dbInitScript(dir)).split('<<SQL\n')[1]!.split('\n');
    const failing = [...old.output.matchAll(/^ERROR 1064 \(\w+\) at line (\d+)/gm)].map(([, line]) => lines[Number(line) - 1]!);
    // Each database's CREATE, then every grant and revoke on it (the owner's, and the serving account's three).
    expect(failing).toEqual(['offset', 'returning'].flatMap((word) => [
      expect.stringContaining(`EXISTS ${word} `), ...Array.from({ length: 4 }, () => expect.stringContaining(`ON ${word}.*`)),
    ]));
    const env = readEnv(dir);
    expect(asUser('m_sql', env.M_SQL_DB_PASSWORD!, 'SELECT COUNT(*) FROM mysql.global_priv').status).toBe(0);
    expect(asUser('s_s-migrate', env.S_S_DB_MIGRATION_PASSWORD!, 'CREATE TABLE sys.intruder (id INT)').status).toBe(0);
    await db.query(['m_sql', 's_s'].flatMap((user) => [user, `${user}-migrate`].map((account) => `REVOKE ALL PRIVILEGES ON \`${user}\`.* FROM '${account}'@'%';\n`)).join(''));
  });

  // my_ql and mys_l, as GRANT patterns, both match `mysql`: the README statements must escape them too.
  it.each([['my-ql', 'mysql'], ['mys-l', 'tidb']] as const)(
    'the README\'s database statements for %j (--db %s) run on MariaDB and grant its database only',
    async (name, database) => {
      const dir = renderRepo([name], { db: database });
      const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
      // The README's shell block, its client given the SQL it would send (docker's and mysql's stdin), run where
      // its `password` function finds services/<name>/.env.
      const block = /```sh\n(docker run -d --name (?:mysql|tidb) [\s\S]*?\nSQL)\n```/.exec(readme)![1]!;
      const sql = run('sh', ['-c', `docker() { [ "$1" = exec ] && cat; return 0; }\nmysql() { cat; }\n${block}`], { cwd: dir }).stdout;
      expect(sql).toMatch(/^CREATE DATABASE (IF NOT EXISTS )?`[a-z_]+` /);
      await db.query(sql);
      const { snakeName: snake, migrationUser } = serviceNames(name);
      const serviceEnv = readFileSync(path.join(dir, 'services', name, '.env'), 'utf8');
      const passwordOf = (key: string) => decodeURIComponent(new URL(new RegExp(`^${key}=(.+)$`, 'm').exec(serviceEnv)![1]!).password);
      expect(asUser(migrationUser, passwordOf('MIGRATION_DATABASE_URL'), `CREATE TABLE \`${snake}\`.items (id INT)`).status).toBe(0);
      expect(asUser(snake, passwordOf('DATABASE_URL'), `INSERT INTO \`${snake}\`.items VALUES (1)`).status).toBe(0);
      expect(asUser(snake, passwordOf('DATABASE_URL'), `CREATE TABLE \`${snake}\`.intruder (id INT)`).status).not.toBe(0);
      expect(asUser(snake, passwordOf('DATABASE_URL'), 'SELECT COUNT(*) FROM mysql.global_priv').status).not.toBe(0);
      expect(asUser(migrationUser, passwordOf('MIGRATION_DATABASE_URL'), 'SELECT COUNT(*) FROM mysql.global_priv').status).not.toBe(0);
    },
  );

  it('their IDL compiles: protoc for gRPC, the Apache thrift compiler for Thrift', () => {
    const grpc = renderRepo(SAMPLE);
    const thrift = renderRepo(SAMPLE, { rpc: 'thrift' });
    const out = tempDir('csb-reserved-thrift-');
    for (const name of SAMPLE) {
      const protoDir = path.join(grpc, 'services', name, 'proto');
      const protos = readdirSync(protoDir).filter((file) => file.endsWith('.proto'));
      const protoc = run('protoc', [`--proto_path=${protoDir}`, '--descriptor_set_out=/dev/null', ...protos]);
      expect(protoc.status, `${name}: ${protoc.output}`).toBe(0);
      const thriftDir = path.join(thrift, 'services', name, 'thrift');
      for (const file of readdirSync(thriftDir).filter((f) => f.endsWith('.thrift'))) {
        mkdirSync(path.join(out, name), { recursive: true });
        const result = run('thrift', ['--gen', 'js:node', '-out', path.join(out, name), path.join(thriftDir, file)]);
        expect(result.status, `${name}: ${result.output}`).toBe(0);
      }
    }
  });
});
