import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { NPM_POOL_FILE } from '../../generators/lockfile/generator.js';
import { composeNpmLockfile, type PackagePool } from '../../generators/lockfile/npm-lockfile.js';
import { allCombinations, poolManifest } from '../../generators/lockfile/pool-manifest.js';
import { RPC_FRAMEWORKS, type RpcFramework, type StackChoices } from '../../generators/shared/choices.js';
import { runStartupBackend, tempDir } from '../cli/run-cli.js';
import { startConsulContractFake, type ConsulContractFake } from '../support/consul-contract-fake.js';
import { nginxTest } from '../support/isolated.js';
import { node24Env } from '../support/node24.js';
import { startEtcd, startMariaDb, type EtcdServer, type MariaDb } from '../support/servers.js';

/**
 * Every combination a user can choose today, generated with one service and grown by a second one
 * with `startup-backend add service` and a third of the other RPC framework with `add service --rpc`,
 * then checked with one shared dependency install (the combinations sit side by side below one
 * node_modules): the right files for each choice, the IDL compiled, prettier, lint, typecheck, and the
 * tests with integration required against real servers, each service on a test database of its own.
 */
const RENDER_REPO = fileURLToPath(new URL('../support/render-repo.mjs', import.meta.url));
/** Added to each combination by the CLI; one name per combination, so test databases never mix. */
const addedService = (index: number) => `ledger${index}`;
/** Added with `--rpc` of the other framework. */
const otherRpcService = (index: number) => `billing${index}`;
const otherRpc = (rpc: RpcFramework) => RPC_FRAMEWORKS.find((framework) => framework !== rpc)!;

const combinations: StackChoices[] = allCombinations();
const readPool = () => JSON.parse(readFileSync(NPM_POOL_FILE, 'utf8')) as PackagePool;

const label = (c: StackChoices) => `${c.rpc}-${c.discovery}-${c.db}-${c.ci}`;
// Different names per combination, the shortest and the longest among them.
const SERVICE_NAMES = ['a', 'api', 'order-book', 'abcdefghij-klmnopqrst-uvwxyz12'];

/**
 * Runs a command without blocking this process: the Consul contract fake is served from it, and a
 * synchronous spawn would stop it from answering the generated tests.
 */
function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ status: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: node24Env({ ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

function readJson(file: string): Record<string, Record<string, string>> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
}

it('runs the generated repos on Node 24', async () => {
  const result = await sh('node', ['--version'], process.cwd());
  expect(result.output.trim()).toMatch(/^v24\./);
});

describe.each(combinations.map((c, index) => ({ ...c, service: SERVICE_NAMES[index % SERVICE_NAMES.length]! })))(
  'combination $rpc + $discovery + $db + $ci (service "$service"; Consul = contract fake, TiDB = MariaDB)',
  (combination) => {
    // Rendering and installing happen once for all combinations, in the first suite's beforeAll.
    let repo: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      const shared = await sharedWorkspace();
      repo = shared.repos.get(label(combination))!;
      env = await shared.integrationEnv(label(combination));
    }, 900_000);

    it('has the files and libraries of its choices', () => {
      const servicePath = (...p: string[]) => path.join(repo, 'services', combination.service, ...p);
      const pkg = readJson(servicePath('package.json'));
      const deps = { ...pkg.dependencies, ...pkg.devDependencies };
      const snake = combination.service.replaceAll('-', '_');
      const expectations: Record<string, () => void> = {
        grpc: () => {
          expect(existsSync(servicePath('proto', `${snake}.proto`))).toBe(true);
          expect(deps).toHaveProperty('@grpc/grpc-js');
          expect(deps).not.toHaveProperty('thrift');
        },
        thrift: () => {
          expect(existsSync(servicePath('thrift', `${snake}.thrift`))).toBe(true);
          expect(deps).toHaveProperty('thrift');
          expect(deps).not.toHaveProperty('@grpc/grpc-js');
        },
        etcd: () => {
          expect(existsSync(servicePath('src/registry/etcd.ts'))).toBe(true);
          expect(deps).toHaveProperty('etcd3');
        },
        consul: () => {
          expect(existsSync(servicePath('src/registry/consul.ts'))).toBe(true);
          expect(deps).not.toHaveProperty('etcd3');
        },
        mysql: () => expect(readFileSync(servicePath('.env.example'), 'utf8')).toMatch(/DATABASE_URL=mysql:\/\/.*:3306\//),
        tidb: () => expect(readFileSync(servicePath('.env.example'), 'utf8')).toMatch(/DATABASE_URL=mysql:\/\/.*:4000\//),
        gitlab: () => {
          expect(existsSync(path.join(repo, '.gitlab-ci.yml'))).toBe(true);
          expect(existsSync(path.join(repo, 'Jenkinsfile'))).toBe(false);
        },
        jenkins: () => {
          expect(existsSync(path.join(repo, 'Jenkinsfile'))).toBe(true);
          expect(existsSync(path.join(repo, '.gitlab-ci.yml'))).toBe(false);
        },
      };
      for (const value of Object.values(combination).filter((v) => v in expectations)) expectations[value]!();
    });

    it('compiles its IDL with the reference compiler (protoc / Apache thrift), its services of either framework', async () => {
      const services = readdirSync(path.join(repo, 'services'));
      const idl = (service: string, folder: string, extension: string) => {
        const dir = path.join(repo, 'services', service, folder);
        return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(extension)).map((f) => path.join(dir, f)) : [];
      };
      const protos = services.flatMap((service) => idl(service, 'proto', '.proto'));
      const thrifts = services.flatMap((service) => idl(service, 'thrift', '.thrift'));
      // The first service's framework and the one added with --rpc.
      expect(protos.length).toBeGreaterThan(0);
      expect(thrifts.length).toBeGreaterThan(0);
      for (const file of protos) {
        const result = await sh('protoc', [`--proto_path=${path.dirname(file)}`, '--descriptor_set_out=/dev/null', path.basename(file)], repo);
        expect(result.status, result.output).toBe(0);
      }
      // The Apache compiler (Debian thrift-compiler) is the reference; the service's own codegen is the npm one.
      for (const file of thrifts) {
        const result = await sh('thrift', ['--gen', 'js:node', '-out', tempDir('csb-thrift-'), file], repo);
        expect(result.status, result.output).toBe(0);
      }
      const codegen = await sh('npm', ['run', 'codegen', '--workspaces'], repo);
      expect(codegen.status, codegen.output).toBe(0);
    });

    it('has a compose stack that docker-compose validates, alone and with each profile', async () => {
      const compose = parseYaml(readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8')) as {
        services: Record<string, { profiles?: string[] }>;
      };
      const profiles = [...new Set(Object.values(compose.services).flatMap((service) => service.profiles ?? []))].sort();
      expect(profiles).toEqual(expect.arrayContaining(['logging', 'observability']));
      for (const selection of [[], ...profiles.map((profile) => [profile]), profiles]) {
        const args = [...selection.flatMap((profile) => ['--profile', profile]), 'config', '-q'];
        const result = await sh('docker-compose', args, repo);
        expect(result.status, `docker-compose ${args.join(' ')}\n${result.output}`).toBe(0);
      }
    });

    it('passes the ops checks: promtool rules and config, amtool, nginx -t of its gateway and Kibana proxy, alert runbooks', async () => {
      const checks: Array<[string, string[]]> = [
        ['promtool', ['check', 'rules', ...ruleFiles(repo, 'rules')]],
        ['promtool', ['test', 'rules', ...ruleFiles(repo, 'tests')]],
        ['promtool', ['check', 'config', 'ops/prometheus/prometheus.yml']],
        ['amtool', ['check-config', 'ops/alertmanager/alertmanager.yml']],
      ];
      for (const [command, args] of checks) {
        const result = await sh(command, args, repo);
        expect(result.status, `${command} ${args.join(' ')}\n${result.output}`).toBe(0);
      }
      // Upstreams are compose service names: nginx -t resolves them through a private /etc/hosts.
      const services = readdirSync(path.join(repo, 'services'));
      for (const [config, hostnames] of [['gateway.conf', services], ['kibana.conf', ['kibana']]] as const) {
        const result = nginxTest(path.join(repo, 'ops', 'nginx', config), [...hostnames]);
        expect(result.status, `nginx -t ${config}\n${result.output}`).toBe(0);
      }
      const alerts = ruleFiles(repo, 'rules').map((file) => readFileSync(path.join(repo, file), 'utf8')).join('\n');
      const linked = new Set([...alerts.matchAll(/runbook_url: (\S+)/g)].map((match) => match[1]!));
      const runbooks = readdirSync(path.join(repo, 'docs/runbooks')).filter((file) => file.endsWith('.md'));
      expect([...linked].sort()).toEqual(runbooks.map((file) => `docs/runbooks/${file}`).sort());
    });

    // Three services' codegen, lint and type-check: well over vitest's default 30 s on a loaded 2-core machine.
    it.each(['format:check', 'lint', 'typecheck'])('passes its own %s', async (script) => {
      const result = await sh('npm', ['run', script], repo);
      expect(result.status, result.output).toBe(0);
    }, 180_000);

    it('passes its own tests, integration included, none skipped', async () => {
      const result = await sh('npm', ['test'], repo, { ...env, REQUIRE_INTEGRATION: '1' });
      expect(result.status, result.output).toBe(0);
      // The first service, the one `add service` gave it and the one of the other framework.
      expect(result.output.match(/Tests\s+\d+ passed \(\d+\)/g)).toHaveLength(3);
      expect(result.output).not.toMatch(/skipped/i);
    }, 180_000);
  },
);

interface SharedWorkspace {
  repos: Map<string, string>;
  integrationEnv(combination: string): Promise<Record<string, string>>;
}

let shared: Promise<SharedWorkspace> | undefined;
// Combinations run one after another, so they can share the servers (each gets its own database).
let servers: { etcd?: EtcdServer; mariadb?: MariaDb; consul?: ConsulContractFake } = {};

afterAll(async () => {
  await Promise.all([servers.etcd?.stop(), servers.mariadb?.stop(), servers.consul?.stop()]);
});

/** Renders every combination below one folder and installs the union of their dependencies once. */
function sharedWorkspace(): Promise<SharedWorkspace> {
  shared ??= (async () => {
    const root = tempDir('csb-matrix-');
    const repos = new Map<string, string>();
    combinations.forEach((combination, index) => {
      const dir = path.join(root, label(combination));
      const service = SERVICE_NAMES[index % SERVICE_NAMES.length]!;
      execFileSync(process.execPath, [
        RENDER_REPO, dir, '--rpc', combination.rpc, '--discovery', combination.discovery,
        '--db', combination.db, '--ci', combination.ci, '--service', service, '--project', 'matrix-app',
      ]);
      // Not a git repository (the shared install sits above them all): --allow-dirty.
      for (const args of [[addedService(index)], [otherRpcService(index), '--rpc', otherRpc(combination.rpc)]]) {
        const added = runStartupBackend(['add', 'service', ...args, '--no-install', '--allow-dirty'], { cwd: dir });
        if (added.status !== 0) throw new Error(`add service ${args.join(' ')} in ${label(combination)} failed:\n${added.stdout}\n${added.stderr}`);
      }
      repos.set(label(combination), dir);
    });
    // The shared install is the shipped lockfile pool itself, installed as npm ci installs it.
    const manifest = poolManifest();
    writeFileSync(path.join(root, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(path.join(root, 'package-lock.json'), composeNpmLockfile([{ location: '', manifest }], readPool()));
    const install = await sh('npm', ['ci', '--no-audit', '--no-fund'], root);
    if (install.status !== 0) throw new Error(`shared install failed:\n${install.output}`);

    // Consul cannot run here: its combinations use the recorded-contract fake of Consul's HTTP API.
    const [etcd, mariadb, consul] = await Promise.all([startEtcd(), startMariaDb(), startConsulContractFake()]);
    servers = { etcd, mariadb, consul };
    return {
      repos,
      async integrationEnv() {
        // A server without a database, as in the pipelines: each service's tests use <service>_test.
        return { TEST_DATABASE_URL: `${mariadb.rootUrl}/`, TEST_ETCD_ENDPOINTS: etcd.endpoint, TEST_CONSUL_HTTP_ADDR: consul.address };
      },
    };
  })();
  return shared;
}

/** The services' Prometheus files of one kind (`rules`, `tests`), as the pipelines' shell globs list them. */
function ruleFiles(repo: string, kind: 'rules' | 'tests'): string[] {
  return readdirSync(path.join(repo, 'ops/prometheus', kind)).sort().map((file) => `ops/prometheus/${kind}/${file}`);
}
