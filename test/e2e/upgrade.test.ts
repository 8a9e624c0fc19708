import { spawn } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackChoices } from '../../generators/shared/choices.js';
import { STARTUP_BACKEND_BIN, tempDir } from '../cli/run-cli.js';
import { startConsulContractFake, type ConsulContractFake } from '../support/consul-contract-fake.js';
import { node24Env } from '../support/node24.js';
import { checkoutRelease } from '../support/old-release.js';
import { startRegistryWith } from '../support/registry-setup.js';
import { startEtcd, startMariaDb, type EtcdServer, type MariaDb, type NpmRegistry } from '../support/servers.js';

/**
 * Across real releases: 0.1.0 built from the commit docs/releases.json records, published with this
 * release to a local registry (Verdaccio on loopback); repos made by 0.1.0 through `npx` in four
 * combinations get the team edits of a year (a line in a service's source, lines appended to README,
 * compose and the pipeline, a new file, a deleted runbook), then `startup-backend upgrade` of this release,
 * which fetches 0.1.0 from the registry to render the base. No team line is lost, the deleted runbook
 * stays deleted, and the upgraded repo installs, lints, type-checks and passes its tests, integration
 * included, on Node 24 (Consul through its contract fake, TiDB through MariaDB).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const OLD = '0.1.0';
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Team', GIT_AUTHOR_EMAIL: 'team@example.com', GIT_COMMITTER_NAME: 'Team', GIT_COMMITTER_EMAIL: 'team@example.com',
};
const COMBINATIONS: Array<StackChoices & { service: string }> = [
  { rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab', service: 'orders' },
  { rpc: 'thrift', discovery: 'etcd', db: 'tidb', ci: 'jenkins', service: 'ledger' },
  { rpc: 'grpc', discovery: 'consul', db: 'tidb', ci: 'jenkins', service: 'order-book' },
  { rpc: 'thrift', discovery: 'consul', db: 'mysql', ci: 'gitlab', service: 'billing' },
];

let registry: NpmRegistry;
let servers: { etcd?: EtcdServer; mariadb?: MariaDb; consul?: ConsulContractFake } = {};
const npmCache = tempDir('csb-upgrade-npm-cache-');
const releaseCache = tempDir('csb-upgrade-release-cache-');

/**
 * Runs a command without blocking this process: the Consul contract fake is served from it, and a
 * synchronous spawn would stop it from answering the generated tests.
 */
function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ status: number | null; output: string; stdout: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: node24Env({
        ...process.env, ...GIT_IDENTITY, npm_config_cache: npmCache, STARTUP_BACKEND_CACHE: releaseCache, NO_COLOR: '1', CI: 'true', ...env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output: `${stdout}\n${stderr}`, stdout }));
  });
}

beforeAll(async () => {
  const old = checkoutRelease(OLD);
  // The old release first: the last one published is `latest`.
  registry = await startRegistryWith([old, ROOT]);
  const [etcd, mariadb, consul] = await Promise.all([startEtcd(), startMariaDb(), startConsulContractFake()]);
  servers = { etcd, mariadb, consul };
}, 600_000);

afterAll(async () => {
  await Promise.all([servers.etcd?.stop(), servers.mariadb?.stop(), servers.consul?.stop(), registry?.stop()]);
});

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');

/** What a team changes in a year; the lines each file must still hold after the upgrade. */
function teamEdits(repo: string, { ci, service }: (typeof COMBINATIONS)[number]): Record<string, string[]> {
  const lines: Record<string, string[]> = {
    'README.md': ['## Team notes', 'On-call lives in Notion.'],
    'docker-compose.yml': ['  redis:', '    image: "redis:7.4" # pinned by the team', '    restart: unless-stopped'],
    [`services/${service}/src/main.ts`]: ['// team: keep this import order'],
    'NOTES.md': ['Our own file.'],
  };
  const edit = (file: string, change: (text: string) => string) => {
    const before = read(repo, file);
    const after = change(before);
    expect(after, `${file}: the edit applies`).not.toBe(before);
    writeFileSync(path.join(repo, file), after);
  };
  edit('README.md', (text) => `${text}\n${lines['README.md']!.join('\n')}\n`);
  edit('docker-compose.yml', (text) => text.replace('\nvolumes:\n', `\n${lines['docker-compose.yml']!.join('\n')}\n\nvolumes:\n`));
  edit(`services/${service}/src/main.ts`, (text) => `${lines[`services/${service}/src/main.ts`]![0]}\n${text}`);
  if (ci === 'gitlab') {
    lines['.gitlab-ci.yml'] = ['smoke:', '  stage: test', "  script: ['echo smoke']"];
    edit('.gitlab-ci.yml', (text) => `${text}\n${lines['.gitlab-ci.yml']!.join('\n')}\n`);
  } else {
    lines.Jenkinsfile = ['// team: builds also run nightly'];
    edit('Jenkinsfile', (text) => `${text}\n${lines.Jenkinsfile![0]}\n`);
  }
  // A threshold in the one alert file 0.1.0 had; 0.3.0 moved it to rules/<service>.yml (a migration).
  const threshold = '        for: 10m # team: 5m paged too often';
  edit('ops/prometheus/alerts.yml', (text) => text.replace('        for: 5m\n', `${threshold}\n`));
  lines[`ops/prometheus/rules/${service}.yml`] = [threshold];
  writeFileSync(path.join(repo, 'NOTES.md'), `${lines['NOTES.md']![0]}\n`);
  unlinkSync(path.join(repo, 'docs/runbooks/db-pool-saturated.md'));
  return lines;
}

/** Resolves a conflict as a team that wants both sides does: the markers go, both sides stay. */
function takeBoth(repo: string, file: string): void {
  const text = read(repo, file);
  writeFileSync(path.join(repo, file), text.replace(/^(<<<<<<< yours|=======|>>>>>>> startup-backend)\n/gm, ''));
  expect(read(repo, file)).not.toMatch(/^(<{7}|={7}|>{7})/m);
}

describe.each(COMBINATIONS)(`a repo made by ${OLD}: $rpc + $discovery + $db + $ci, service $service`, (combination) => {
  let repo: string;
  let teamLines: Record<string, string[]>;

  beforeAll(async () => {
    const cwd = tempDir('csb-upgrade-e2e-');
    const { rpc, discovery, db, ci, service } = combination;
    const created = await sh('npx', [
      '--yes', '--package', `create-startup-backend@${OLD}`, 'create-startup-backend', 'app', '--yes', '--no-install',
      '--rpc', rpc, '--discovery', discovery, '--db', db, '--ci', ci, '--service', service,
    ], cwd);
    expect(created.status, created.output).toBe(0);
    repo = path.join(cwd, 'app');
    expect(JSON.parse(read(repo, '.startup-backend.json'))).toMatchObject({ templateVersion: OLD });
    teamLines = teamEdits(repo, combination);
    expect((await sh('git', ['add', '--all'], repo)).status).toBe(0);
    expect((await sh('git', ['commit', '--quiet', '-m', 'a year of team edits'], repo)).status).toBe(0);
  }, 300_000);

  it(`upgrades to this release: no team line lost, the deleted runbook stays deleted, conflicts only where both changed the same lines`, async () => {
    const result = await sh(process.execPath, [STARTUP_BACKEND_BIN, 'upgrade', '--no-install'], repo);
    const conflicts = [...result.stdout.matchAll(/^CONFLICT (\S+)$/gm)].map((match) => match[1]!);
    // README's last section changed since 0.1.0, right where the team appended: a conflict, as git merge would say.
    expect(conflicts).toEqual(['README.md']);
    expect(result.status, result.output).toBe(2);
    expect((await sh('git', ['status', '--porcelain'], repo)).stdout).toMatch(/^UU README\.md$/m);
    for (const file of conflicts) takeBoth(repo, file);
    for (const [file, lines] of Object.entries(teamLines)) {
      const text = read(repo, file).split('\n');
      for (const line of lines) expect(text, `${file}: ${line}`).toContain(line);
    }
    expect(existsSync(path.join(repo, 'docs/runbooks/db-pool-saturated.md'))).toBe(false);
    expect(existsSync(path.join(repo, 'ops/prometheus/alerts.yml'))).toBe(false);
    expect(result.stdout).toMatch(/^MIGRATE +0\.3\.0: /m);
    expect(JSON.parse(read(repo, '.startup-backend.json'))).toMatchObject({ templateVersion: VERSION, packageManager: 'npm' });
    expect(JSON.parse(read(repo, 'package.json')).devDependencies).toMatchObject({ 'create-startup-backend': VERSION });
    expect((await sh('git', ['add', '--all'], repo)).status).toBe(0);
    expect((await sh('git', ['commit', '--quiet', '-m', `upgrade to ${VERSION}`], repo)).status).toBe(0);
    // Once committed, the same command has nothing left to do.
    const again = await sh(process.execPath, [STARTUP_BACKEND_BIN, 'upgrade', '--no-install'], repo);
    expect(again.status, again.output).toBe(0);
    expect(again.stdout).toMatch(/already: nothing to do/);
  }, 300_000);

  it('installs with its own lockfile, lints, type-checks and passes its tests, integration included, on Node 24', async () => {
    const install = await sh('npm', ['ci', '--no-audit', '--no-fund'], repo);
    expect(install.status, install.output).toBe(0);
    for (const script of ['lint', 'typecheck']) {
      const result = await sh('npm', ['run', script], repo);
      expect(result.status, `${script}\n${result.output}`).toBe(0);
    }
    const env = {
      REQUIRE_INTEGRATION: '1', TEST_DATABASE_URL: `${servers.mariadb!.rootUrl}/`,
      TEST_ETCD_ENDPOINTS: servers.etcd!.endpoint, TEST_CONSUL_HTTP_ADDR: servers.consul!.address,
    };
    const tests = await sh('npm', ['test'], repo, env);
    expect(tests.status, tests.output).toBe(0);
    expect(tests.output).not.toMatch(/skipped/i);
  }, 600_000);

  if (combination.db === 'mysql') {
    it('--set db=tidb with the team\'s edits, then green; --set db=mysql back gives the same files', async () => {
      const before = (await sh('git', ['rev-parse', 'HEAD'], repo)).stdout.trim();
      const toTidb = await sh(process.execPath, [STARTUP_BACKEND_BIN, 'upgrade', '--set', 'db=tidb'], repo);
      expect(toTidb.status, toTidb.output).toBe(0);
      expect(read(repo, 'docker-compose.yml')).toContain('  redis:');
      const tests = await sh('npm', ['test'], repo, { REQUIRE_INTEGRATION: '1', TEST_DATABASE_URL: `${servers.mariadb!.rootUrl}/`, TEST_ETCD_ENDPOINTS: servers.etcd!.endpoint, TEST_CONSUL_HTTP_ADDR: servers.consul!.address });
      expect(tests.status, tests.output).toBe(0);
      expect((await sh('git', ['add', '--all'], repo)).status).toBe(0);
      expect((await sh('git', ['commit', '--quiet', '-m', 'tidb'], repo)).status).toBe(0);
      const back = await sh(process.execPath, [STARTUP_BACKEND_BIN, 'upgrade', '--set', 'db=mysql', '--no-install'], repo);
      expect(back.status, back.output).toBe(0);
      expect((await sh('git', ['add', '--all'], repo)).status).toBe(0);
      expect((await sh('git', ['diff', '--cached', '--stat', before], repo)).stdout).toBe('');
    }, 600_000);
  }
});
