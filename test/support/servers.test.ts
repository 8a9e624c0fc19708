// Real servers, no mocks: etcd and MariaDB are started, used, stopped, and killed with their parent.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { etcdGetPrefix, startEtcd, startMariaDb } from './servers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('etcd', () => {
  it('starts, stores keys, stops, and cleans up', async () => {
    const etcd = await startEtcd();
    const port = Number(new URL(etcd.endpoint).port);
    try {
      expect(etcd.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(fs.existsSync(etcd.dataDir)).toBe(true);
      await etcdctl(etcd.endpoint, 'put', 'svc/a', 'one');
      await etcdctl(etcd.endpoint, 'put', 'svc/b', 'två');
      await etcdctl(etcd.endpoint, 'put', 'svd', 'outside the prefix');
      expect(await etcdctl(etcd.endpoint, 'get', '--print-value-only', 'svc/a')).toBe('one\n');
      expect(await etcdGetPrefix(etcd.endpoint, 'svc/')).toEqual([
        { key: 'svc/a', value: 'one' },
        { key: 'svc/b', value: 'två' },
      ]);
      expect(await etcdGetPrefix(etcd.endpoint, 'nothing/')).toEqual([]);
      expect((await etcdGetPrefix(etcd.endpoint, '')).map((kv) => kv.key)).toEqual(['svc/a', 'svc/b', 'svd']);
    } finally {
      await etcd.stop();
    }
    expect(await portOpen(port)).toBe(false);
    expect(fs.existsSync(etcd.dataDir)).toBe(false);
    await etcd.stop(); // idempotent
  });

  it('pauses and resumes, halts and restarts on the same port and data dir, or wiped', async () => {
    const etcd = await startEtcd();
    try {
      const first = etcd.pid;
      expect(fs.readFileSync(`/proc/${first}/comm`, 'utf8').trim()).toBe('etcd');
      await etcdctl(etcd.endpoint, 'put', 'k', 'kept');
      await etcd.pause();
      expect(procState(first)).toBe('T');
      etcd.resume();
      expect(procState(first)).not.toBe('T');
      await etcd.halt();
      expect(alive(first)).toBe(false);
      expect(await portOpen(Number(new URL(etcd.endpoint).port))).toBe(false);
      expect(fs.existsSync(etcd.dataDir)).toBe(true);
      await etcd.restart();
      expect(etcd.pid).not.toBe(first);
      expect(await etcdGetPrefix(etcd.endpoint, 'k')).toEqual([{ key: 'k', value: 'kept' }]);
      await etcd.restart({ wipe: true });
      expect(await etcdGetPrefix(etcd.endpoint, 'k')).toEqual([]);
      await etcd.pause(); // stop() resumes a paused server first
    } finally {
      await etcd.stop();
    }
    expect(fs.existsSync(etcd.dataDir)).toBe(false);
  });

  it('two at once get different client and peer ports', async () => {
    const [a, b] = await Promise.all([startEtcd(), startEtcd()]);
    try {
      expect(a!.endpoint).not.toBe(b!.endpoint);
      await etcdctl(a!.endpoint, 'put', 'k', 'a');
      expect(await etcdGetPrefix(b!.endpoint, 'k')).toEqual([]);
    } finally {
      await Promise.all([a!.stop(), b!.stop()]);
    }
  });

  it('a server that exits at once reports its log and leaves nothing behind', async () => {
    const err = await startEtcd({ extraArgs: ['--no-such-flag'] }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^etcd exited before it was ready \(exit code \d+\) \(temp folder .*csb-etcd-\S+ removed\)\n--- last 40 lines of etcd\.log ---\n.*no-such-flag/s);
    expectGone(message);
  });

  it('a start that times out says so and leaves nothing behind', async () => {
    const err = await startEtcd({ timeoutMs: 1 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^etcd not ready after 1 ms /);
    expectGone((err as Error).message);
  });

  it('says which package to install when the binary is missing', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startEtcd()).rejects.toThrow('etcd not found: apt-get install etcd-server');
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('MariaDB', () => {
  it('creates a least-privilege app database, stops, and cleans up', async () => {
    const db = await startMariaDb();
    try {
      expect(db.rootUrl).toBe(`mysql://root@127.0.0.1:${db.port}`);
      const url = await db.createDatabase('app_db', 'app', "s3cr'et");
      expect(url).toBe(`mysql://app:s3cr'et@127.0.0.1:${db.port}/app_db`);

      await mariadbAs(url, 'CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO t VALUES (1, "ünï");');
      expect(await mariadbAs(url, 'SELECT id, name FROM t')).toBe('id\tname\n1\tünï\n');
      expect(await db.query('SELECT COUNT(*) AS n FROM app_db.t')).toBe('n\n1\n');

      await expect(mariadbAs(url, 'CREATE DATABASE other')).rejects.toThrow(/Access denied/);
      // `_` is a wildcard in GRANT ... ON db.*: the grant must not cover look-alikes.
      await expect(mariadbAs(url, 'CREATE DATABASE appXdb')).rejects.toThrow(/Access denied/);
      await expect(mariadbAs(url, 'SELECT * FROM mysql.user')).rejects.toThrow(/denied/);
      // Root over TCP works as rootUrl says.
      expect(await mariadbAs(db.rootUrl, 'SELECT CURRENT_USER() AS u')).toBe('u\nroot@127.0.0.1\n');
    } finally {
      await db.stop();
    }
    expect(await portOpen(db.port)).toBe(false);
    expect(fs.existsSync(db.dataDir)).toBe(false);
  });

  it('pauses and resumes, halts and restarts on the same port with its data', async () => {
    const db = await startMariaDb();
    try {
      const first = db.pid;
      expect(fs.readFileSync(`/proc/${first}/comm`, 'utf8').trim()).toBe('mariadbd');
      await db.query('CREATE DATABASE kept;');
      await db.pause();
      expect(procState(first)).toBe('T');
      db.resume();
      await db.halt();
      expect(alive(first)).toBe(false);
      expect(await portOpen(db.port)).toBe(false);
      await db.restart();
      expect(await portOpen(db.port)).toBe(true);
      expect(await db.query("SHOW DATABASES LIKE 'kept'")).toMatch(/kept/);
      await db.pause();
    } finally {
      await db.stop();
    }
    expect(fs.existsSync(db.dataDir)).toBe(false);
  });

  it('a server that exits at once reports its log and leaves nothing behind', async () => {
    const err = await startMariaDb({ extraArgs: ['--no-such-option'] }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^mariadbd exited before it was ready \(exit code \d+\) .*\n--- last 40 lines of mariadbd\.log ---\n.*unknown option '--no-such-option'/s);
    expectGone(message);
  });
});

describe('when the test runner is SIGKILLed', () => {
  // 'the process that started them': plain parent, its stdin lifeline closes.
  // 'the runner above a forked worker' (vitest's forks pool): the worker lives on, its IPC channel closes.
  it.each([
    ['the process that started them', 'worker.mjs'],
    ['the runner above a forked worker', 'runner.mjs'],
  ])('servers stop and their temp folders go when %s is killed', async (_case, script) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csb-servers-child-'));
    let workerPid = 0;
    try {
      // Node 20 cannot import .ts: transpile servers.ts next to a copy of its wrapper script.
      const source = fs.readFileSync(path.join(here, 'servers.ts'), 'utf8');
      const js = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      fs.writeFileSync(path.join(dir, 'servers.mjs'), js);
      fs.copyFileSync(path.join(here, 'stop-with-parent.sh'), path.join(dir, 'stop-with-parent.sh'));
      fs.writeFileSync(
        path.join(dir, 'worker.mjs'),
        `import { startEtcd, startMariaDb } from './servers.mjs';
         const [etcd, db] = await Promise.all([startEtcd(), startMariaDb()]);
         console.log(JSON.stringify({ pid: process.pid, endpoint: etcd.endpoint, etcdDir: etcd.dataDir, port: db.port, dbDir: db.dataDir }));
         setInterval(() => {}, 1000);`,
      );
      fs.writeFileSync(
        path.join(dir, 'runner.mjs'),
        `import { fork } from 'node:child_process';
         fork(new URL('./worker.mjs', import.meta.url), { stdio: 'inherit' });
         setInterval(() => {}, 1000);`,
      );
      const child = spawn(process.execPath, [path.join(dir, script)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before starting servers: ${stderr}`)));
      });
      const info = JSON.parse(line) as { pid: number; endpoint: string; etcdDir: string; port: number; dbDir: string };
      workerPid = info.pid;
      const etcdPort = Number(new URL(info.endpoint).port);
      expect(await portOpen(etcdPort)).toBe(true);
      expect(await portOpen(info.port)).toBe(true);
      const roots = [path.dirname(info.etcdDir), path.dirname(info.dbDir)];
      expect(processesMentioning(roots)).not.toEqual([]);

      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const deadline = Date.now() + 15_000;
      for (;;) {
        const left = {
          processes: processesMentioning(roots),
          dirs: roots.filter((r) => fs.existsSync(r)),
          ports: [(await portOpen(etcdPort)) && etcdPort, (await portOpen(info.port)) && info.port].filter(Boolean),
        };
        if (!left.processes.length && !left.dirs.length && !left.ports.length) break;
        if (Date.now() > deadline) throw new Error(`left behind after SIGKILL: ${JSON.stringify(left)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (script === 'runner.mjs') expect(alive(workerPid)).toBe(true); // the servers went, not because the worker did
    } finally {
      if (workerPid && alive(workerPid)) process.kill(workerPid, 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------- helpers

function exec(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')}: exit ${code}: ${stderr}`)),
    );
    child.stdin.end(input);
  });
}

function etcdctl(endpoint: string, ...args: string[]): Promise<string> {
  return exec('etcdctl', [`--endpoints=${endpoint}`, ...args], { ...process.env, ETCDCTL_API: '3' });
}

/** Runs SQL through the `mariadb` client binary as the user in `url` (mysql://user:pw@127.0.0.1:port/db). */
function mariadbAs(url: string, sql: string): Promise<string> {
  const u = new URL(url);
  const args = ['--no-defaults', '--protocol=tcp', `--host=${u.hostname}`, `--port=${u.port}`, '--batch'];
  args.push(`--user=${decodeURIComponent(u.username)}`);
  if (u.password) args.push(`--password=${decodeURIComponent(u.password)}`);
  const db = u.pathname.replace(/^\//, '');
  if (db) args.push(`--database=${db}`);
  return exec('mariadb', args, process.env, sql);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The temp folder named in a start error was removed and no process mentions it. */
function expectGone(message: string): void {
  const root = / \(temp folder (\S+) removed\)/.exec(message)?.[1];
  expect(root).toMatch(/\/csb-(etcd|mariadb)-[^/]+$/);
  expect(fs.existsSync(root!)).toBe(false);
  expect(processesMentioning([root!])).toEqual([]);
}

/** The state letter of /proc/<pid>/stat (R, S, T = stopped, ...). */
function procState(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]!;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Command lines of live processes that mention any of `needles`. */
function processesMentioning(needles: string[]): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (needles.some((n) => cmd.includes(n))) found.push(`${pid}: ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return found;
}
