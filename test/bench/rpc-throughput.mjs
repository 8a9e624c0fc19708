// (g) of npm run bench: unary GetItem throughput of the generated gRPC service (built, run as a process
// with its real etcd and MariaDB) against a bare @grpc/grpc-js server doing the same database work
// (bare-grpc-server.mjs), side by side: the same load generator (concurrency 50) alternates between them
// in short windows, so the machine's load moves both; the figures are the medians of the per-round ratios.
// Everything listens on 127.0.0.1 and is stopped at the end.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

const CONCURRENCY = 50;
const WINDOW_MS = 3_000;
const WARMUP_MS = 2_000;
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process, in ms (Linux /proc). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function started(child, what) {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('listening') || output.includes('"ready"')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
  });
}

/** Calls GetItem `id` from CONCURRENCY loops for `windowMs`; how many completed, and the server's CPU per call. */
async function measure(client, id, pid, windowMs) {
  const cpuBefore = cpuMs(pid);
  const until = Date.now() + windowMs;
  let calls = 0;
  let failed = 0;
  const loop = async () => {
    while (Date.now() < until) {
      await new Promise((resolve) => {
        client.GetItem({ id }, { deadline: Date.now() + 5_000 }, (error) => {
          if (error) failed += 1;
          else calls += 1;
          resolve();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return { perSecond: (calls * 1000) / windowMs, cpuPerCall: (cpuMs(pid) - cpuBefore) / Math.max(calls, 1), failed };
}

export async function rpcThroughput({ root, runs, temp, env }) {
  const serversBundle = path.join(root, 'test/support/.servers.bundle.mjs');
  await build({ entryPoints: [path.join(root, 'test/support/servers.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: serversBundle, logLevel: 'warning' });
  const { startEtcd, startMariaDb, freePorts } = await import(serversBundle);
  rmSync(serversBundle);

  const repo = path.join(temp('csb-bench-g-'), 'app');
  const step = (command, args, cwd) => {
    const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  };
  step(process.execPath, [path.join(root, 'test/support/render-repo.mjs'), repo, '--rpc', 'grpc', '--service', 'api', '--project', 'bench-app'], root);
  step('npm', ['ci', '--no-audit', '--no-fund'], repo);
  const serviceDir = path.join(repo, 'services', 'api');
  step('npm', ['run', 'build'], serviceDir);

  const [etcd, mariadb] = await Promise.all([startEtcd(), startMariaDb()]);
  const children = [];
  try {
    const databaseUrl = await mariadb.createDatabase('api', 'api', 'bench-password');
    const [generatedPort, httpPort, barePort] = await freePorts(3);
    const generated = spawn('node', ['dist/main.js'], {
      cwd: serviceDir,
      env: { ...env, DATABASE_URL: databaseUrl, ETCD_ENDPOINTS: etcd.endpoint, RPC_PORT: String(generatedPort), HTTP_PORT: String(httpPort), ADVERTISE_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(generated);
    // LOG_LEVEL=warn hides "ready": wait for /readyz instead.
    const ready = (async () => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
        const response = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined);
        if (response?.ok) return;
      }
      throw new Error('the generated service was not ready within 60 s');
    })();
    await Promise.race([ready, started(generated, 'the generated service')]);
    const bare = spawn('node', [path.join(root, 'test/bench/bare-grpc-server.mjs'), serviceDir, String(barePort), databaseUrl], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(bare);
    await started(bare, 'the bare grpc-js server');

    const require = createRequire(path.join(serviceDir, 'package.json'));
    const grpc = require('@grpc/grpc-js');
    const protoLoader = require('@grpc/proto-loader');
    const protoDir = path.join(serviceDir, 'proto');
    const definition = grpc.loadPackageDefinition(protoLoader.loadSync('api.proto', { includeDirs: [protoDir], defaults: true }));
    const Service = definition.api.v1.ApiService;
    const clients = {
      generated: new Service(`127.0.0.1:${generatedPort}`, grpc.credentials.createInsecure()),
      bare: new Service(`127.0.0.1:${barePort}`, grpc.credentials.createInsecure()),
    };
    const item = await new Promise((resolve, reject) =>
      clients.generated.CreateItem({ name: 'bench' }, (error, response) => (error ? reject(error) : resolve(response.item))),
    );
    const pids = { generated: generated.pid, bare: bare.pid };
    for (const name of ['generated', 'bare']) await measure(clients[name], item.id, pids[name], WARMUP_MS);

    const throughputRatios = [];
    const cpuRatios = [];
    const perSecond = { generated: [], bare: [] };
    let failed = 0;
    for (let round = 0; round < runs; round += 1) {
      const order = round % 2 === 0 ? ['generated', 'bare'] : ['bare', 'generated'];
      const result = {};
      for (const name of order) {
        result[name] = await measure(clients[name], item.id, pids[name], WINDOW_MS);
        perSecond[name].push(result[name].perSecond);
        failed += result[name].failed;
      }
      throughputRatios.push(result.generated.perSecond / result.bare.perSecond);
      cpuRatios.push(result.generated.cpuPerCall / result.bare.cpuPerCall);
    }
    for (const client of Object.values(clients)) client.close();
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    return [
      [`(g) GetItem calls/s, generated gRPC service (concurrency ${CONCURRENCY})`, median(perSecond.generated).toFixed(0), ''],
      ['(g) GetItem calls/s, bare grpc-js + mysql2, same query', median(perSecond.bare).toFixed(0), ''],
      ['(g) throughput ratio generated / bare (paired)', `${median(throughputRatios).toFixed(2)}x`, '>= 0.90x'],
      ['(g) server CPU per call ratio generated / bare', `${median(cpuRatios).toFixed(2)}x`, ''],
      ['(g) failed calls (both)', String(failed), '0'],
    ];
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([etcd.stop(), mariadb.stop()]);
    rmSync(path.dirname(repo), { recursive: true, force: true });
  }
}
