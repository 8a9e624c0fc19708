// Real servers for tests: etcd, MariaDB and an npm registry (Verdaccio, a devDependency run as a process); no systemd, no Docker.
//
// Every server runs under stop-with-parent.sh, which stops it (and removes its temp folder) when this process's
// end of the wrapper's stdin closes -- so a SIGKILLed test runner leaves no server behind. Ports are picked at
// runtime on 127.0.0.1 (etcd's peer port too), data lives in a fresh temp folder (on /dev/shm when it has room).
// See /work/shared/feasibility.md for the measurements behind the flags used here.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/**
 * Fault injection on a running server (etcd, MariaDB): pause and resume it, stop it and start it again on
 * the same port and data dir. Servers started by startEtcd/startMariaDb have it; stop() still ends all.
 */
export interface ServerControl {
  /** The server's own process id (not its wrapper's); changes with every restart(). */
  readonly pid: number;
  /** SIGSTOP, resolved once the process shows as stopped: it keeps its sockets open and answers nothing. */
  pause(): Promise<void>;
  /** SIGCONT. */
  resume(): void;
  /** SIGTERM (after SIGCONT), wait for the exit; the data dir and the port stay for restart(). */
  halt(): Promise<void>;
  /** Starts the server again with the same flags, port and data dir (wipe: with an empty data dir). */
  restart(options?: { wipe?: boolean }): Promise<void>;
}

export interface EtcdServer extends ServerControl {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  dataDir: string;
  /** SIGTERM, wait for exit, remove the data dir. Idempotent. */
  stop(): Promise<void>;
}

export interface MariaDb extends ServerControl {
  host: '127.0.0.1';
  port: number;
  /** mysql://root@127.0.0.1:PORT (root has no password) */
  rootUrl: string;
  dataDir: string;
  /** Creates database `name` and user 'user'@'127.0.0.1' with ALL on that database only.
   *  Returns mysql://user:password@127.0.0.1:PORT/name */
  createDatabase(name: string, user: string, password: string): Promise<string>;
  /** Runs SQL as root through the `mariadb` client (--batch); returns stdout (tab separated, header row). */
  query(sql: string): Promise<string>;
  /** SIGTERM, wait for exit, remove the data dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** How long to wait for the server to become ready (default: etcd 20 s, MariaDB 60 s). */
  timeoutMs?: number;
  /** Extra server flags, appended after the defaults (e.g. etcd `--auto-compaction-retention=1`, mariadbd `--sql-mode=...`). */
  extraArgs?: string[];
}

const WRAPPER = fileURLToPath(new URL('./stop-with-parent.sh', import.meta.url));
const LOG_TAIL_LINES = 40;
const STOP_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 3;

export interface NpmRegistry {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /**
   * The environment that points npm (and pnpm, which reads the same variables) at this registry, with
   * a token it accepts for publishing; the upstream registry stays reachable through it.
   */
  env: Record<string, string>;
  /** `npm publish` of a packed tarball. */
  publish(tarball: string): Promise<void>;
  /** SIGTERM, wait for exit, remove its storage. Idempotent. */
  stop(): Promise<void>;
}

// ------------------------------------------------------------------------------------ npm registry

const VERDACCIO = fileURLToPath(new URL('../../node_modules/verdaccio/bin/verdaccio', import.meta.url));

/**
 * Verdaccio (the devDependency) on a free loopback port: packages named in `local` are served only from
 * what tests publish to it, everything else is proxied from the registry npm is configured with (and
 * cached in its storage for the run), as Nx's e2e tests do.
 */
export async function startNpmRegistry(options: StartOptions & { local?: string[]; upstream?: string } = {}): Promise<NpmRegistry> {
  const root = makeTempRoot('verdaccio');
  const [port] = await freePorts(1);
  const url = `http://127.0.0.1:${port}/`;
  const upstream = options.upstream ?? process.env.npm_config_registry ?? 'https://registry.npmjs.org/';
  const local = (options.local ?? ['create-startup-backend'])
    .map((name) => `  '${name}':\n    access: $all\n    publish: $all\n    unpublish: $all\n`).join('');
  const config = path.join(root, 'config.yaml');
  fs.writeFileSync(config, `storage: ${path.join(root, 'storage')}
auth:
  htpasswd:
    file: ${path.join(root, 'htpasswd')}
    max_users: -1
uplinks:
  upstream:
    url: ${upstream}
    timeout: 60s
    max_fails: 5
packages:
${local}  '@*/*':
    access: $all
    proxy: upstream
  '**':
    access: $all
    proxy: upstream
max_body_size: 200mb
log: { type: stdout, format: pretty, level: warn }
`);
  const userconfig = path.join(root, 'npmrc');
  fs.writeFileSync(userconfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=test-token\n`);
  const proc = supervise(process.execPath, [VERDACCIO, '--config', config, '--listen', `127.0.0.1:${port}`], {
    root, logFile: path.join(root, 'verdaccio.log'), env: { ...process.env },
  });
  await waitReady('verdaccio', proc, options.timeoutMs ?? 30_000, async () => (await httpJson('GET', `${url}-/ping`)).status === 200);
  proc.unref();
  const env = { npm_config_registry: url, npm_config_userconfig: userconfig };
  return {
    url,
    env,
    async publish(tarball) {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('npm', ['publish', tarball, '--registry', url, '--tag', 'latest', '--no-provenance'], {
          env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('error', reject);
        child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`npm publish ${tarball} failed (${code}):\n${output}`))));
      });
    },
    stop: once(() => proc.stop()),
  };
}

// ---------------------------------------------------------------------------------------------- etcd

export async function startEtcd(options: StartOptions = {}): Promise<EtcdServer> {
  const etcd = findBinary('etcd', 'etcd-server');
  const timeoutMs = options.timeoutMs ?? 20_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOnce(etcd, timeoutMs, options.extraArgs ?? []);
    } catch (err) {
      if (attempt < PORT_ATTEMPTS && err instanceof StartError && err.portClash) continue;
      throw err;
    }
  }
}

async function startEtcdOnce(etcd: string, timeoutMs: number, extraArgs: string[]): Promise<EtcdServer> {
  const root = makeTempRoot('etcd');
  const dataDir = path.join(root, 'data');
  const [clientPort, peerPort] = await freePorts(2);
  const name = `csb-${randomBytes(4).toString('hex')}`;
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
      '--name', name,
      '--data-dir', dataDir,
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `${name}=${peerUrl}`,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', name,
      '--heartbeat-interval', '10',
      '--election-timeout', '100',
      '--logger', 'zap',
      ...extraArgs,
  ];
  const launch = (): Supervised => supervise(etcd, args, { root, logFile: path.join(root, 'etcd.log'), env: cleanEnv(/^ETCD/) });
  const ready = async (): Promise<boolean> => {
    const health = await httpJson('GET', `${endpoint}/health`);
    if (health.status !== 200 || String((health.json as { health?: unknown }).health) !== 'true') return false;
    // Make sure the answer came from *our* etcd, not some other one that grabbed the port first.
    const members = await httpJson('POST', `${endpoint}/v3/cluster/member/list`, {});
    const list = (members.json as { members?: Array<{ name?: string }> }).members ?? [];
    if (!list.some((m) => m.name === name)) throw new StartError('another etcd answered on our port', true);
    return true;
  };
  const proc = launch();
  await waitReady('etcd', proc, timeoutMs, ready);
  proc.unref();
  const control = serverControl('etcd', proc, launch, ready, timeoutMs, async () => {
    await removeDir(dataDir);
  });
  return Object.assign(control, { endpoint, dataDir });
}

/** All keys under `prefix` (sorted by key), via etcd's gRPC gateway; values decoded as UTF-8. */
export async function etcdGetPrefix(endpoint: string, prefix: string): Promise<Array<{ key: string; value: string }>> {
  const key = Buffer.from(prefix, 'utf8');
  const body = {
    key: (key.length ? key : Buffer.from([0])).toString('base64'),
    range_end: prefixEnd(key).toString('base64'),
  };
  const res = await httpJson('POST', `${endpoint.replace(/\/+$/, '')}/v3/kv/range`, body);
  const json = res.json as { kvs?: Array<{ key: string; value?: string }>; error?: string; message?: string };
  if (res.status !== 200) throw new Error(`etcd range ${prefix} failed: HTTP ${res.status} ${res.text}`);
  return (json.kvs ?? []).map((kv) => ({
    key: Buffer.from(kv.key, 'base64').toString('utf8'),
    value: Buffer.from(kv.value ?? '', 'base64').toString('utf8'),
  }));
}

function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // empty prefix or all 0xff: to the end of the keyspace
}

// ---------------------------------------------------------------------------------------------- MariaDB

export async function startMariaDb(options: StartOptions = {}): Promise<MariaDb> {
  const bins = {
    installDb: findBinary('mariadb-install-db', 'mariadb-server'),
    server: findBinary('mariadbd', 'mariadb-server'),
    client: findBinary('mariadb', 'mariadb-client'),
  };
  const timeoutMs = options.timeoutMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMariaDbOnce(bins, timeoutMs, options.extraArgs ?? []);
    } catch (err) {
      if (attempt < PORT_ATTEMPTS && err instanceof StartError && err.portClash) continue;
      throw err;
    }
  }
}

async function startMariaDbOnce(
  bins: { installDb: string; server: string; client: string },
  timeoutMs: number,
  extraArgs: string[],
): Promise<MariaDb> {
  const root = makeTempRoot('mariadb');
  const dataDir = path.join(root, 'data');
  const socket = path.join(root, 'mysqld.sock');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  const env = cleanEnv(/^(MYSQL|MARIADB)/);
  // Shared by install-db and the server: small InnoDB (26 MB datadir instead of 114 MB), no binlog.
  const common = [
    ...asRoot,
    `--datadir=${dataDir}`,
    `--tmpdir=${root}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--innodb-log-file-size=8M',
    '--innodb-buffer-pool-size=32M',
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-use-native-aio=0',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
  ];
  const started = Date.now();

  // --no-defaults must come first on every MariaDB binary.
  const install = supervise(
    bins.installDb,
    ['--no-defaults', ...common, '--auth-root-authentication-method=normal', '--skip-test-db'],
    { root, logFile: path.join(root, 'install-db.log'), env },
  );
  const installed = await install.exited;
  if (installed.code !== 0) {
    const tail = readTail(install.logFile);
    await removeDir(root);
    throw new StartError(`mariadb-install-db failed (${describeExit(installed)}; temp folder ${root} removed)\n${tail}`);
  }

  const [port] = await freePorts(1);
  const launch = (): Supervised => supervise(
    bins.server,
    ['--no-defaults', ...common, `--socket=${socket}`, `--pid-file=${path.join(root, 'mysqld.pid')}`,
      `--port=${port}`, '--bind-address=127.0.0.1', ...extraArgs],
    { root, logFile: path.join(root, 'mariadbd.log'), env },
  );
  const proc = launch();
  // The server binds TCP before it creates the Unix socket (and aborts if TCP fails), and only sends the
  // handshake once it is ready: a handshake on *our* socket means ready, on our port.
  await waitReady('mariadbd', proc, Math.max(1_000, timeoutMs - (Date.now() - started)), () => handshake(socket));
  proc.unref();
  const control = serverControl('mariadbd', proc, launch, () => handshake(socket), timeoutMs, async () => {
    throw new Error('MariaDB restart({ wipe: true }) is not supported (the data dir holds the system tables)');
  });

  const query = (sql: string): Promise<string> =>
    run(bins.client, ['--no-defaults', '--protocol=socket', `--socket=${socket}`, '--user=root', '--batch'], sql, env);

  return Object.assign(control, {
    host: '127.0.0.1' as const,
    port: port!,
    rootUrl: `mysql://root@127.0.0.1:${port}`,
    dataDir,
    query,
    async createDatabase(name: string, user: string, password: string): Promise<string> {
      if (!/^[A-Za-z0-9_$]{1,64}$/.test(name)) throw new Error(`createDatabase: unsupported database name ${JSON.stringify(name)}`);
      if (!/^[A-Za-z0-9_.-]{1,80}$/.test(user)) throw new Error(`createDatabase: unsupported user name ${JSON.stringify(user)}`);
      const pw = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
      // In GRANT, `_` and `%` in a database name are wildcards: escape them so the grant covers this db only.
      const grantDb = name.replace(/[_%]/g, '\\$&');
      await query(
        `CREATE DATABASE \`${name}\`;\n` +
          `CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${pw}';\n` +
          `GRANT ALL PRIVILEGES ON \`${grantDb}\`.* TO '${user}'@'127.0.0.1';\n`,
      );
      return `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`;
    },
  });
}

/**
 * pause/resume/halt/restart over a supervised server whose process is replaced on restart; stop() stops
 * whichever process runs now and removes the temp folder (once).
 */
function serverControl(
  what: string,
  first: Supervised,
  launch: () => Supervised,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  wipe: () => Promise<void>,
): ServerControl & { stop(): Promise<void> } {
  let proc = first;
  let pid = serverPid(proc);
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  const control = {
    get pid() {
      return pid;
    },
    async pause() {
      signal('SIGSTOP');
      const deadline = Date.now() + 2_000;
      while (procState(pid) !== 'T' && procState(pid) !== '' && Date.now() < deadline) await sleep(5);
    },
    resume: () => signal('SIGCONT'),
    async halt() {
      signal('SIGCONT');
      if (proc.exit !== null) return;
      proc.child.ref();
      proc.child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(proc.child), STOP_TIMEOUT_MS);
      await proc.exited;
      clearTimeout(timer);
    },
    async restart(options: { wipe?: boolean } = {}) {
      await control.halt();
      if (options.wipe) await wipe();
      proc = launch();
      // waitReady removes the temp folder when the start fails: the server is then gone for good.
      await waitReady(what, proc, timeoutMs, ready);
      proc.unref();
      pid = serverPid(proc);
    },
    stop: once(async () => {
      signal('SIGCONT');
      await proc.stop();
    }),
  };
  return control;
}

/** The state letter of /proc/<pid>/stat (R, S, T = stopped, ...); '' when the process is gone. */
function procState(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] ?? '';
  } catch {
    return '';
  }
}

/** The server under a stop-with-parent.sh wrapper: the wrapper's child that is not a shell (the other is its watcher). */
function serverPid(proc: Supervised): number {
  const wrapper = proc.child.pid!;
  for (const file of fs.readdirSync(`/proc/${wrapper}/task`)) {
    const children = fs.readFileSync(`/proc/${wrapper}/task/${file}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const child of children) {
      const comm = fs.readFileSync(`/proc/${child}/comm`, 'utf8').trim();
      if (comm !== 'sh' && comm !== 'dash' && comm !== 'bash') return Number(child);
    }
  }
  throw new Error(`no server process under wrapper ${wrapper}`);
}

/** Resolves true once the server on `socket` sends a MySQL protocol-10 handshake. */
function handshake(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = net.connect(socket);
    const done = (ok: boolean): void => {
      conn.destroy();
      resolve(ok);
    };
    conn.setTimeout(2_000, () => done(false));
    conn.once('error', () => done(false));
    conn.once('close', () => done(false));
    let buf = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 5) done(buf[4] === 0x0a);
    });
  });
}

// ---------------------------------------------------------------------------------------------- processes

class StartError extends Error {
  constructor(message: string, readonly portClash = false) {
    super(message);
    this.name = 'StartError';
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

interface Supervised {
  child: ChildProcess;
  logFile: string;
  root: string;
  exited: Promise<Exit>;
  exit: Exit | null;
  /** Once ready: a forgotten stop() must not keep a script alive (its exit closes the pipe; the wrapper cleans up). */
  unref(): void;
  /** SIGTERM the server (via the wrapper), wait for it, remove `root`. */
  stop(): Promise<void>;
}

function supervise(
  command: string,
  args: string[],
  opts: { root: string; logFile: string; env: NodeJS.ProcessEnv },
): Supervised {
  const fd = fs.openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    // Own process group (a terminal's ^C goes to us, not to the server); stdin is the lifeline pipe.
    child = spawn('/bin/sh', [WRAPPER, '--rm', opts.root, '--', command, ...args], {
      stdio: ['pipe', fd, fd],
      detached: true,
      env: opts.env,
    });
  } finally {
    fs.closeSync(fd);
  }
  child.stdin?.on('error', () => {}); // EPIPE once the wrapper is gone
  watchParentIpc();
  lifelines.add(child);
  child.once('exit', () => lifelines.delete(child));
  const sup: Supervised = {
    child,
    logFile: opts.logFile,
    root: opts.root,
    exit: null,
    exited: new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve((sup.exit = { code, signal })));
      child.once('error', (error) => resolve((sup.exit = { code: null, signal: null, error })));
    }),
    unref() {
      child.unref();
      (child.stdin as net.Socket | null)?.unref?.();
    },
    async stop() {
      child.ref();
      if (sup.exit === null) {
        try {
          child.kill('SIGTERM');
        } catch {
          /* already gone */
        }
        const timer = setTimeout(() => killGroup(child), STOP_TIMEOUT_MS);
        await sup.exited;
        clearTimeout(timer);
      }
      await removeDir(opts.root);
    },
  };
  return sup;
}

const lifelines = new Set<ChildProcess>();
let watchingIpc = false;

/** Vitest runs test files in forked workers that outlive a SIGKILLed main process (until their current test
 *  ends, if ever). When our IPC parent goes away, cut the lifelines now: each wrapper then stops its server. */
function watchParentIpc(): void {
  if (watchingIpc || !process.connected) return;
  watchingIpc = true;
  process.once('disconnect', () => {
    for (const child of lifelines) child.stdin?.destroy();
  });
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Until no process of the child's group is left (a zombie counts as left), at most 2 s. */
async function groupGone(child: ChildProcess): Promise<void> {
  if (!child.pid) return;
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    try {
      process.kill(-child.pid, 0);
    } catch {
      return;
    }
    await sleep(10);
  }
}

async function waitReady(what: string, proc: Supervised, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const fail = async (reason: string, portClash = false): Promise<never> => {
    if (proc.exit === null) {
      killGroup(proc.child);
      await proc.exited;
    }
    // The wrapper's exit is reported before the server it started (same group, same SIGKILL) is gone.
    await groupGone(proc.child);
    const tail = readTail(proc.logFile);
    await removeDir(proc.root);
    throw new StartError(
      `${what} ${reason} (temp folder ${proc.root} removed)\n--- last ${LOG_TAIL_LINES} lines of ${path.basename(proc.logFile)} ---\n${tail}`,
      portClash || /address already in use/i.test(tail),
    );
  };
  for (;;) {
    if (proc.exit !== null) {
      return fail(`exited before it was ready (${describeExit(proc.exit)})`);
    }
    let ok = false;
    try {
      ok = await check();
    } catch (err) {
      if (err instanceof StartError) return fail(err.message, err.portClash);
    }
    if (ok && proc.exit === null) return;
    const left = deadline - Date.now();
    if (left <= 0) return fail(`not ready after ${timeoutMs} ms`);
    await Promise.race([sleep(Math.min(25, left)), proc.exited]);
  }
}

function describeExit(exit: Exit): string {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code}`;
}

function readTail(file: string): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.slice(-LOG_TAIL_LINES).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

function run(command: string, args: string[], input: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${path.basename(command)} failed (${signal ?? `exit code ${code}`}): ${stderr.trim()}\nSQL: ${input}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

// ---------------------------------------------------------------------------------------------- helpers

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function findBinary(name: string, aptPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      /* keep looking */
    }
  }
  throw new Error(`${name} not found: apt-get install ${aptPackage}`);
}

/** A fresh folder on /dev/shm when it has room (etcd alone preallocates ~128 MB of WAL), else os.tmpdir(). */
function makeTempRoot(kind: string): string {
  let base = os.tmpdir();
  try {
    const st = fs.statfsSync('/dev/shm');
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    if (st.bavail * st.bsize >= 1024 ** 3) base = '/dev/shm';
  } catch {
    /* no usable /dev/shm */
  }
  return fs.mkdtempSync(path.join(base, `csb-${kind}-`));
}

/** `count` distinct free ports on 127.0.0.1 (held open together so they differ, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function cleanEnv(drop: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !drop.test(k)));
}

function httpJson(method: string, url: string, body?: unknown, timeoutMs = 2_000): Promise<{ status: number; text: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('error', reject);
        res.on('end', () => {
          let json: unknown = {};
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function removeDir(dir: string): Promise<void> {
  await fs.promises.rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
