// Helpers of the fault suite (test/e2e/faults.test.ts, issue 12): a generated repo rendered, installed and
// built; its service `api` run as child processes in their own process group (SIGKILLed to the group when a
// test is done with them, whatever happened); bounded concurrent calls through the repo's own RPC packages;
// /metrics, /readyz, RSS and the logs read off the running processes. Everything on 127.0.0.1.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '../cli/run-cli.js';
import { NODE24, node24Env } from './node24.js';
import { freePorts } from './servers.js';

export type Rpc = 'grpc' | 'thrift';

const RENDER_REPO = fileURLToPath(new URL('./render-repo.mjs', import.meta.url));
export const SERVICE = 'api';

/** The settings the fault suite runs every instance with (the contract of issue 12; today's templates ignore the new ones). */
export const SUITE_ENV = {
  REGISTRY_TTL_SECONDS: '2',
  DB_POOL_QUEUE_LIMIT: '20',
  DEREGISTER_DELAY_MS: '300',
  SHUTDOWN_TIMEOUT_MS: '2000',
  THRIFT_IDLE_TIMEOUT_MS: '1000',
  THRIFT_MAX_CONNECTIONS: '200',
  LOG_LEVEL: 'info',
} as const;

// ------------------------------------------------------------------------------------------ the repo

export interface GeneratedService {
  rpc: Rpc;
  repo: string;
  /** services/api */
  dir: string;
}

/** Runs a command without blocking the event loop (servers and clients live in this process); output kept. */
export function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000) {
  return new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = execFile(command, args, {
      cwd,
      env: node24Env({ ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...env }),
      maxBuffer: 64 * 1024 * 1024,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    }, (error, stdout, stderr) => {
      // A non-zero exit has a numeric code; a spawn failure (ENOENT) or the timeout's kill has none.
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: `${stdout}\n${stderr}` });
    });
    child.stdin?.end();
  });
}

/**
 * The repo of one combination (rpc + etcd + MySQL + GitLab CI), rendered as matrix.test.ts renders it,
 * installed from its own lockfile with Node 24 (`npm ci`, through the suite's registry), and its service built
 * with its own `npm run build`.
 */
export async function prepareService(rpc: Rpc): Promise<GeneratedService> {
  const repo = path.join(tempDir(`csb-faults-${rpc}-`), 'app');
  const render = await sh(process.execPath, [RENDER_REPO, repo, '--rpc', rpc, '--discovery', 'etcd', '--db', 'mysql',
    '--ci', 'gitlab', '--service', SERVICE, '--project', 'faults-app'], process.cwd());
  if (render.status !== 0) throw new Error(`render ${rpc} failed:\n${render.output}`);
  const install = await sh('npm', ['ci', '--no-audit', '--no-fund'], repo);
  if (install.status !== 0) throw new Error(`npm ci (${rpc}) failed:\n${install.output}`);
  const dir = path.join(repo, 'services', SERVICE);
  const build = await sh('npm', ['run', 'build'], dir);
  if (build.status !== 0) throw new Error(`npm run build (${rpc}) failed:\n${build.output}`);
  return { rpc, repo, dir };
}

// ------------------------------------------------------------------------------------------ processes

/** Every line any service process of the suite wrote, with where it came from (for the JSON-lines check). */
export interface LogLine {
  instance: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface ServiceProcess {
  instanceId: string;
  pid: number;
  rpcPort: number;
  httpPort: number;
  address: string;
  child: ChildProcess;
  /** Lines written so far (stdout and stderr). */
  lines: LogLine[];
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  signal(sig: NodeJS.Signals): void;
  /** SIGKILL to the process group; resolves once it has exited. Idempotent. */
  kill(): Promise<void>;
}

const running = new Set<ServiceProcess>();

/** SIGKILLs every service process still running (afterAll). */
export async function killAllServices(): Promise<void> {
  await Promise.all([...running].map((service) => service.kill()));
}

export interface StartServiceOptions {
  /** Variables on top of the suite's (DATABASE_URL, ETCD_ENDPOINTS, ...). */
  env: Record<string, string>;
  /** Where the lines go (also kept on the process). */
  log: LogLine[];
  instanceId?: string;
  /** Wait for /readyz 200 (default), or return as soon as spawned. */
  waitReady?: boolean;
  readyTimeoutMs?: number;
}

export async function startService(service: GeneratedService, options: StartServiceOptions): Promise<ServiceProcess> {
  const [rpcPort, httpPort] = await freePorts(2);
  const instanceId = options.instanceId ?? `${service.rpc}-${randomUUID().slice(0, 8)}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...SUITE_ENV,
    RPC_PORT: String(rpcPort),
    HTTP_PORT: String(httpPort),
    ADVERTISE_HOST: '127.0.0.1',
    SERVICE_INSTANCE_ID: instanceId,
    ...options.env,
  };
  // Its own process group: kill() reaches anything it started, and a ^C to the runner does not.
  const child = spawn(NODE24, ['dist/main.js'], { cwd: service.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: LogLine[] = [];
  const collect = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        const entry = { instance: instanceId, stream, line };
        lines.push(entry);
        options.log.push(entry);
      }
    });
    child[stream]!.on('end', () => {
      if (partial !== '') {
        const entry = { instance: instanceId, stream, line: partial };
        lines.push(entry);
        options.log.push(entry);
      }
    });
  };
  collect('stdout');
  collect('stderr');
  const proc: ServiceProcess = {
    instanceId, pid: child.pid!, rpcPort: rpcPort!, httpPort: httpPort!, address: `127.0.0.1:${rpcPort}`, child, lines,
    exit: null,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        proc.exit = { code, signal };
        running.delete(proc);
        resolve({ code, signal, at: Date.now() });
      });
    }),
    signal(sig) {
      try {
        process.kill(child.pid!, sig);
      } catch {
        /* gone */
      }
    },
    async kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      if (proc.exit === null) await proc.exited;
    },
  };
  running.add(proc);
  if (options.waitReady ?? true) {
    try {
      await waitFor(`${instanceId} /readyz 200`, options.readyTimeoutMs ?? 30_000, async () => (await readyz(proc)).status === 200);
    } catch (error) {
      await proc.kill();
      throw new Error(`${(error as Error).message}\n${lines.map((l) => l.line).join('\n')}`);
    }
  }
  return proc;
}

/** Waits for the exit, at most timeoutMs; null when the process is still running then. */
export async function exitWithin(proc: ServiceProcess, timeoutMs: number) {
  return Promise.race([proc.exited, sleep(timeoutMs).then(() => null)]);
}

// ------------------------------------------------------------------------------------------ HTTP

export async function httpGet(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

export async function readyz(proc: ServiceProcess, timeoutMs = 5_000) {
  const { status, body } = await httpGet(`http://127.0.0.1:${proc.httpPort}/readyz`, timeoutMs);
  let json: { checks?: Record<string, boolean> } = {};
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    /* not JSON */
  }
  return { status, checks: json.checks ?? {} };
}

/** The samples of one metric on /metrics: labels and value. */
export async function metricSamples(proc: ServiceProcess, name: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const { status, body } = await httpGet(`http://127.0.0.1:${proc.httpPort}/metrics`, 3_000);
  if (status !== 200) throw new Error(`/metrics answered ${status}: ${body}`);
  const samples: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

export async function poolWaiting(proc: ServiceProcess): Promise<number> {
  const samples = await metricSamples(proc, 'db_pool_connections');
  return samples.find((s) => s.labels.state === 'waiting')?.value ?? 0;
}

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return Math.round(kb / 102.4) / 10;
}

// ------------------------------------------------------------------------------------------ RPC calls

/** A call's result: its value, or the gRPC status code name its failure maps to (see codeOf). */
export type Outcome<T = unknown> = { ok: true; value: T; ms: number } | { ok: false; code: string; message: string; ms: number };

export interface Item {
  id: string;
  name: string;
  createdAt: string;
}

/** Calls of the service with a per-call deadline, whatever the framework. */
export interface Caller {
  create(request: { name: string; requestId?: string }, deadlineMs?: number): Promise<Outcome<Item>>;
  get(id: string, deadlineMs?: number): Promise<Outcome<Item>>;
  list(request: { pageSize?: number; pageToken?: string }, deadlineMs?: number): Promise<Outcome<{ items: Item[]; nextPageToken: string }>>;
  close(): Promise<void>;
}

/** The service's built modules, loaded from its dist/ (they resolve their packages from the repo). */
export async function distModule<T = Record<string, unknown>>(service: GeneratedService, file: string): Promise<T> {
  return (await import(/* @vite-ignore */ pathToFileURL(path.join(service.dir, 'dist', file)).href)) as T;
}

/**
 * The status code name of a failed call: gRPC's code, by name; Thrift's declared exceptions by the code they
 * stand for (InvalidArgument -> INVALID_ARGUMENT, Unavailable -> UNAVAILABLE, ...), the built client's
 * DeadlineExceededError -> DEADLINE_EXCEEDED, its UnavailableError (connection refused, reset, closed) ->
 * CONNECTION_FAILED, a TApplicationException -> TAPPLICATION_EXCEPTION.
 */
export function codeOf(rpc: Rpc, error: unknown, grpcStatus?: Record<number, string>): string {
  const e = error as { code?: unknown; name?: string; constructor?: { name?: string } };
  if (rpc === 'grpc' && typeof e.code === 'number' && grpcStatus) return grpcStatus[e.code] ?? `CODE_${e.code}`;
  const name = e.constructor?.name ?? e.name ?? '';
  const byName: Record<string, string> = {
    DeadlineExceededError: 'DEADLINE_EXCEEDED',
    UnavailableError: 'CONNECTION_FAILED',
    InvalidArgument: 'INVALID_ARGUMENT',
    NotFound: 'NOT_FOUND',
    InternalError: 'INTERNAL',
    Unavailable: 'UNAVAILABLE',
    ResourceExhausted: 'RESOURCE_EXHAUSTED',
    DeadlineExceeded: 'DEADLINE_EXCEEDED',
    TApplicationException: 'TAPPLICATION_EXCEPTION',
  };
  return byName[name] ?? byName[e.name ?? ''] ?? `OTHER(${name}: ${String((error as Error)?.message ?? error)})`;
}

/** Runs one call and records its outcome (never rejects). */
export async function timed<T>(run: () => Promise<T>, code: (error: unknown) => string): Promise<Outcome<T>> {
  const started = Date.now();
  try {
    const value = await run();
    return { ok: true, value, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, code: code(error), message: String((error as Error)?.message ?? error), ms: Date.now() - started };
  }
}

/**
 * gRPC: a grpc-js client of the service's own .proto, loaded with the repo's @grpc/grpc-js and proto-loader
 * (as test/e2e/grpc-call.mjs does), so per-call deadlines and fields the proto gains (request_id) go on the wire.
 * Thrift: the built client (dist/rpc/client.js), one per deadline.
 */
export async function createCaller(service: GeneratedService, address: string): Promise<Caller> {
  if (service.rpc === 'grpc') {
    const { grpc, Service } = grpcService(service);
    const client = new Service(address, grpc.credentials.createInsecure());
    const code = (error: unknown) => codeOf('grpc', error, grpc.status);
    const unary = <T>(method: string, request: unknown, deadlineMs: number) =>
      timed(() => new Promise<T>((resolve, reject) => {
        client[method](request, { deadline: Date.now() + deadlineMs }, (error: Error | null, response: T) => (error ? reject(error) : resolve(response)));
      }), code);
    return {
      create: async (request, deadlineMs = 5_000) => {
        const r = await unary<{ item: Item }>('CreateItem', request, deadlineMs);
        return r.ok ? { ...r, value: r.value.item } : r;
      },
      get: async (id, deadlineMs = 5_000) => {
        const r = await unary<{ item: Item }>('GetItem', { id }, deadlineMs);
        return r.ok ? { ...r, value: r.value.item } : r;
      },
      list: (request, deadlineMs = 5_000) => unary('ListItems', request, deadlineMs),
      close: async () => client.close(),
    };
  }
  const mod = await distModule<{ createClient(address: string, options: { deadlineMs: number }): ThriftRpcClient }>(service, 'rpc/client.js');
  const clients = new Map<number, ThriftRpcClient>();
  const clientFor = (deadlineMs: number) => {
    let client = clients.get(deadlineMs);
    if (!client) clients.set(deadlineMs, (client = mod.createClient(address, { deadlineMs })));
    return client;
  };
  const code = (error: unknown) => codeOf('thrift', error);
  return {
    create: (request, deadlineMs = 5_000) => timed(() => clientFor(deadlineMs).createItem(request), code),
    get: (id, deadlineMs = 5_000) => timed(() => clientFor(deadlineMs).getItem({ id }), code),
    list: (request, deadlineMs = 5_000) => timed(() => clientFor(deadlineMs).listItems(request), code),
    close: async () => {
      await Promise.all([...clients.values()].map((c) => Promise.race([c.close(), sleep(2_000)])));
    },
  };
}

interface ThriftRpcClient {
  createItem(request: { name: string; requestId?: string }): Promise<Item>;
  getItem(request: { id: string }): Promise<Item>;
  listItems(request: { pageSize?: number; pageToken?: string }): Promise<{ items: Item[]; nextPageToken: string }>;
  close(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The repo's grpc-js and the service's client constructor, from its proto/ folder. */
export function grpcService(service: GeneratedService): { grpc: any; protoLoader: any; Service: any } {
  const require = createRequire(path.join(service.dir, 'package.json'));
  const grpc = require('@grpc/grpc-js');
  const protoLoader = require('@grpc/proto-loader');
  const protoDir = path.join(service.dir, 'proto');
  const definition = grpc.loadPackageDefinition(protoLoader.loadSync([`${SERVICE}.proto`], { includeDirs: [protoDir], defaults: true }));
  return { grpc, protoLoader, Service: definition[SERVICE].v1.ApiService };
}

/** A unary gRPC call with hand-made request bytes; the raw response bytes or the status code name. */
export function rawGrpcCall(service: GeneratedService, address: string, method: string, body: Buffer, deadlineMs = 5_000): Promise<Outcome<Buffer>> {
  const { grpc } = grpcService(service);
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return timed(() => new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(method, (b: Buffer) => b, (b: Buffer) => b, body, { deadline: Date.now() + deadlineMs },
      (error: Error | null, response: Buffer) => (error ? reject(error) : resolve(response)));
  }), (error) => codeOf('grpc', error, grpc.status)).finally(() => client.close());
}

/** grpc.health.v1.Health/Check with a small inline health.proto and the repo's grpc-js. */
export async function grpcHealthCheck(service: GeneratedService, address: string, serviceName = ''): Promise<Outcome<{ status: string }>> {
  const { grpc, protoLoader } = grpcService(service);
  const dir = tempDir('csb-health-');
  writeFileSync(path.join(dir, 'health.proto'), `syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
`);
  const Health = grpc.loadPackageDefinition(protoLoader.loadSync('health.proto', { includeDirs: [dir], enums: String })).grpc.health.v1.Health;
  const client = new Health(address, grpc.credentials.createInsecure());
  return timed(() => new Promise<{ status: string }>((resolve, reject) => {
    client.Check({ service: serviceName }, { deadline: Date.now() + 3_000 }, (error: Error | null, response: { status: string }) => (error ? reject(error) : resolve(response)));
  }), (error) => codeOf('grpc', error, grpc.status)).finally(() => client.close());
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// ------------------------------------------------------------------------------------------ Thrift wire

/** A framed TBinaryProtocol CALL with the given args struct bytes (a T_STOP alone is an empty struct). */
export function thriftCallFrame(method: string, seqid: number, argsStruct: Buffer): Buffer {
  const name = Buffer.from(method, 'utf8');
  const header = Buffer.alloc(12 + name.length);
  header.writeUInt32BE(0x80010001, 0); // version 1, message type CALL
  header.writeInt32BE(name.length, 4);
  name.copy(header, 8);
  header.writeInt32BE(seqid, 8 + name.length);
  const message = Buffer.concat([header, argsStruct]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(message.length, 0);
  return Buffer.concat([size, message]);
}

/** A Thrift string field header + value (type 11). */
export function thriftStringField(id: number, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const head = Buffer.alloc(7);
  head.writeInt8(11, 0);
  head.writeInt16BE(id, 1);
  head.writeInt32BE(bytes.length, 3);
  return Buffer.concat([head, bytes]);
}

export interface ThriftReply {
  /** 2 REPLY, 3 EXCEPTION (a TApplicationException) */
  messageType: number;
  /** REPLY: the id of the result struct's first field (0 = success, else the declared exception's id). */
  fieldId?: number;
  /** Any UTF-8 text in the frame (messages), for error text checks. */
  text: string;
}

/** Sends one frame on a fresh connection and parses the first answer frame (or null when the connection closes first). */
export function thriftRawCall(port: number, frame: Buffer, timeoutMs = 5_000): Promise<ThriftReply | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    const done = (reply: ThriftReply | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 4 || buffer.length < 4 + buffer.readInt32BE(0)) return;
      const message = buffer.subarray(4, 4 + buffer.readInt32BE(0));
      const messageType = message.readUInt32BE(0) & 0xff;
      const nameLength = message.readInt32BE(4);
      const body = message.subarray(12 + nameLength);
      const fieldType = body[0];
      done({
        messageType,
        fieldId: messageType === 2 && fieldType !== 0 ? body.readInt16BE(1) : messageType === 2 ? 0 : undefined,
        text: body.toString('latin1').replace(/[^\x20-\x7e]+/g, ' '),
      });
    });
    socket.once('connect', () => socket.write(frame));
  });
}

/** Opens a raw TCP connection; resolves once connected, with a promise of when the server closes it. */
export function openSocket(port: number): Promise<{ socket: net.Socket; closed: Promise<number>; isClosed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let closedAt = 0;
    const closed = new Promise<number>((r) => socket.once('close', () => r((closedAt = Date.now()))));
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.once('connect', () => resolve({ socket, closed, isClosed: () => closedAt !== 0 }));
    socket.once('error', reject);
  });
}

// ------------------------------------------------------------------------------------------ TCP proxy

export interface HoldingProxy {
  /** host:port to connect to instead of the target */
  address: string;
  /** From now on, bytes from clients are kept back (the target sees nothing new; answers still flow back). */
  hold(): void;
  /** Sends what was kept back and forwards again. What a client sent before it went away is dropped, never sent. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy to `target` that can hold back what clients send: a request written by a process that
 * then exits never reaches the target (a paused server would still read it from its socket buffer later).
 * `replyDelayMs` delays what the target sends back (in order): a client that sees the registry late.
 */
export async function startHoldingProxy(targetPort: number, options: { replyDelayMs?: number } = {}): Promise<HoldingProxy> {
  const replyDelayMs = options.replyDelayMs ?? 0;
  let holding = false;
  const pipes = new Set<{ client: net.Socket; upstream: net.Socket; held: Buffer[] }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pipe = { client, upstream, held: [] as Buffer[] };
    pipes.add(pipe);
    client.on('data', (chunk: Buffer) => (holding ? pipe.held.push(chunk) : upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => {
      if (replyDelayMs === 0) client.write(chunk);
      else setTimeout(() => client.writable && client.write(chunk), replyDelayMs);
    });
    const end = () => {
      pipes.delete(pipe);
      pipe.held = [];
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const pipe of pipes) {
        for (const chunk of pipe.held) pipe.upstream.write(chunk);
        pipe.held = [];
      }
    },
    close: () => new Promise<void>((resolve) => {
      for (const pipe of pipes) {
        pipe.client.destroy();
        pipe.upstream.destroy();
      }
      server.close(() => resolve());
    }),
  };
}

// ------------------------------------------------------------------------------------------ load

/** Runs `count` tasks, at most `concurrency` at a time; results in task order. */
export async function bounded<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** `concurrency` workers calling `task` in a loop until `until()` says stop (checked before every call). */
export async function loadUntil<T>(concurrency: number, until: () => boolean, task: (worker: number, n: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    for (let n = 0; !until(); n++) results.push(await task(worker, n));
  }));
  return results;
}

/** Counts of each failure code: { DEADLINE_EXCEEDED: 20 } */
export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.ok ? 'OK' : o.code;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

// ------------------------------------------------------------------------------------------ misc

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean, everyMs = 100): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch {
      /* not yet */
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not true after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** One summary line per scenario, for docs/reliability.md: `[faults] grpc 1-deadline {...}` */
export function report(rpc: Rpc, scenario: string, figures: Record<string, unknown>): void {
  console.log(`[faults] ${rpc} ${scenario} ${JSON.stringify(figures)}`);
}

export function writeFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}
