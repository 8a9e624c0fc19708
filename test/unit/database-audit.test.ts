import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { tempDir } from '../cli/run-cli.js';
import { startMariaDb, type MariaDb } from '../support/servers.js';
import { answersFor, emptyTree, renderedFiles } from './fixtures.js';

/**
 * Database audit logging of the compose stack. MariaDB: the generated `ops/mariadb/audit.cnf` is
 * loaded into a real mariadbd (Debian mariadb-server) and what it records is read back. TiDB: no
 * TiDB server here, so its config file is checked structurally against the documented keys.
 */
function render(db: 'mysql' | 'tidb'): Map<string, string> {
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor({ db }, ['orders', 'billing']));
  return new Map([...renderedFiles(tree)].map(([file, content]) => [file, content.toString('utf8')]));
}

/** `key = value` lines of one `[section]` of an ini/TOML file (comments and blank lines skipped). */
function section(text: string, name: string): Map<string, string> {
  const entries = new Map<string, string>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([a-z_.-]+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    const pair = /^([a-z_]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) throw new Error(`not a "key = value" line: ${line}`);
    if (current === name) entries.set(pair[1]!, pair[2]!);
  }
  return entries;
}

function client(port: number, user: string, password: string, sql: string) {
  return spawnSync('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', user, `-p${password}`, '--batch', '-e', sql], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
}

describe('MariaDB audit logging from the generated audit.cnf (real mariadbd, server_audit plugin)', () => {
  const files = render('mysql');
  const cnf = files.get('ops/mariadb/audit.cnf') ?? '';
  let db: MariaDb;
  let auditLog = '';
  const readAudit = () => (existsSync(auditLog) ? readFileSync(auditLog, 'utf8') : '');

  beforeAll(async () => {
    // The server is started with --no-defaults (see servers.ts), so the file's settings become flags;
    // only the log path is moved into the temp folder (the container's path is not ours).
    const flags = [...section(cnf, 'mariadb')].map(([key, value]) => `--${key.replaceAll('_', '-')}=${value}`);
    auditLog = path.join(tempDir('csb-audit-'), 'server_audit.log');
    db = await startMariaDb({ extraArgs: [...flags, `--server-audit-file-path=${auditLog}`] });
    await db.createDatabase('orders', 'orders', 'orders-secret');
  }, 90_000);

  afterAll(async () => {
    await db?.stop();
  });

  it('is mounted into the database container by the compose stack', () => {
    const compose = files.get('docker-compose.yml') ?? '';
    expect(compose).toContain('"./ops/mariadb/audit.cnf:/etc/mysql/conf.d/zz-audit.cnf:ro"');
    expect(section(cnf, 'mariadb').get('server_audit_file_path')).toBe('/var/lib/mysql/server_audit.log');
  });

  it('records connections, failed logins, DDL and DCL with the user, and leaves row writes out', async () => {
    const ok = client(db.port, 'orders', 'orders-secret', 'CREATE TABLE orders.audited (id INT); INSERT INTO orders.audited VALUES (424242)');
    expect(ok.stderr).toBe('');
    expect(client(db.port, 'orders', 'wrong-password', 'SELECT 1').status).not.toBe(0);
    await db.query("GRANT SELECT ON orders.* TO 'orders'@'127.0.0.1'");

    await expect.poll(readAudit, { timeout: 5_000 }).toMatch(/GRANT SELECT ON orders/);
    const log = readAudit();
    expect(log).toMatch(/,orders,[^,]*,\d+,\d+,CONNECT,/);
    expect(log).toMatch(/,orders,[^,]*,\d+,\d+,FAILED_CONNECT,/);
    expect(log).toMatch(/,orders,[^,]*,\d+,\d+,QUERY,[^,]*,'CREATE TABLE orders\.audited/);
    expect(log).not.toContain('424242');
  });

  it('cannot be switched off while the server runs (FORCE_PLUS_PERMANENT)', async () => {
    await expect(db.query('UNINSTALL SONAME "server_audit"')).rejects.toThrow();
    expect(await db.query("SHOW GLOBAL VARIABLES LIKE 'server_audit_logging'")).toMatch(/server_audit_logging\tON/);
  });

  it('is explained in the runbook procedure with the commands for this database', () => {
    const runbook = files.get('docs/runbooks/procedures/database-audit.md') ?? '';
    expect(runbook).toContain('/var/lib/mysql/server_audit.log');
    expect(runbook).toContain('- billing: `billing`');
    expect(runbook).not.toContain('tidb_general_log');
  });
});

describe('TiDB general log as the audit equivalent (structural check of tidb.toml, no TiDB here)', () => {
  const files = render('tidb');
  const toml = files.get('ops/tidb/tidb.toml') ?? '';

  it('turns the general log on at the log level that shows it', () => {
    // Keys as documented in PingCAP's "TiDB Configuration File": [instance] tidb_general_log (v6.1+),
    // and general-log entries are info-level, so [log] level must be info or debug.
    expect(section(toml, 'instance').get('tidb_general_log')).toBe('true');
    expect(section(toml, 'log').get('level')).toBe('"info"');
  });

  it('is passed to TiDB by the compose stack only (CI keeps the plain server)', () => {
    const compose = files.get('docker-compose.yml') ?? '';
    expect(compose).toContain('"./ops/tidb/tidb.toml:/etc/tidb/tidb.toml:ro"');
    expect(compose).toContain('- "--config=/etc/tidb/tidb.toml"');
    expect(files.get('.gitlab-ci.yml') ?? '').not.toContain('tidb.toml');
  });

  it('is explained in the runbook procedure, saying plainly that TiDB Community has no audit plugin', () => {
    const runbook = files.get('docs/runbooks/procedures/database-audit.md') ?? '';
    expect(runbook).toContain('TiDB Community has no audit-log plugin');
    expect(runbook).toContain('SELECT @@tidb_general_log');
    expect(runbook).not.toContain('server_audit');
  });
});
