import { spawn } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { StackChoices } from '../../generators/shared/choices.js';
import { STARTUP_BACKEND_BIN, tempDir } from '../cli/run-cli.js';
import { startConsulContractFake, type ConsulContractFake } from './consul-contract-fake.js';
import { node24Env } from './node24.js';
import { checkoutRelease, removeRelease } from './old-release.js';
import { startRegistryWith } from './registry-setup.js';
import { startEtcd, startMariaDb, type EtcdServer, type MariaDb, type NpmRegistry } from './servers.js';

/**
 * What the e2e upgrade tests across real releases share (test/e2e/upgrade*.test.ts): older releases built
 * from their commits and published with this one to a local registry, the servers the upgraded repos'
 * integration tests run against, the commands run in a repo, the team's edits and how a conflict is resolved.
 */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Team', GIT_AUTHOR_EMAIL: 'team@example.com', GIT_COMMITTER_NAME: 'Team', GIT_COMMITTER_EMAIL: 'team@example.com',
};

export type Combination = StackChoices & { service: string };

// One npm cache and one release cache ($STARTUP_BACKEND_CACHE) per test file: old releases come from the registry.
const npmCache = tempDir('csb-upgrade-npm-cache-');
export const releaseCache = tempDir('csb-upgrade-release-cache-');

// Process groups of the commands still running, killed if this process ends first (a test that timed out).
const running = new Set<number>();
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
process.once('exit', () => running.forEach(killGroup));

/**
 * Runs a command without blocking this process: the Consul contract fake is served from it, and a
 * synchronous spawn would stop it from answering the generated tests. The command runs in its own
 * process group, killed with everything it started after `timeoutMs` (status null, output saying so);
 * what it leaves running when it ends is killed too.
 */
export function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 280_000) {
  return new Promise<{ status: number | null; output: string; stdout: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: node24Env({
        ...process.env, ...GIT_IDENTITY, npm_config_cache: npmCache, STARTUP_BACKEND_CACHE: releaseCache, NO_COLOR: '1', CI: 'true', ...env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, timeoutMs);
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      // Whatever the command left running in its group goes with it.
      if (pid !== undefined) {
        killGroup(pid);
        running.delete(pid);
      }
      const note = timedOut ? `\n${command} ${args.join(' ')}: killed after ${timeoutMs / 1000} s` : '';
      resolve({ status, output: `${stdout}\n${stderr}${note}`, stdout });
    });
  });
}

export interface UpgradeWorld {
  registry: NpmRegistry;
  etcd: EtcdServer;
  mariadb: MariaDb;
  consul: ConsulContractFake;
}

/**
 * The old releases built from their commits and published, in version order, then this one (the last
 * published is `latest`); etcd, MariaDB and the Consul contract fake started. Stop it with `stopWorld`.
 */
export async function startWorld(oldVersions: readonly string[]): Promise<UpgradeWorld> {
  const olds: string[] = [];
  try {
    for (const version of oldVersions) olds.push(checkoutRelease(version));
    // Published, the checkouts are not needed any more: the tests get every release from the registry.
    const registry = await startRegistryWith([...olds, ROOT]);
    const [etcd, mariadb, consul] = await Promise.all([startEtcd(), startMariaDb(), startConsulContractFake()]);
    return { registry, etcd, mariadb, consul };
  } finally {
    olds.forEach(removeRelease);
  }
}

export async function stopWorld(world: Partial<UpgradeWorld>): Promise<void> {
  await Promise.all([world.etcd?.stop(), world.mariadb?.stop(), world.consul?.stop(), world.registry?.stop()]);
}

/** What a generated repo's `test` needs to run its integration tests, required, against the world's servers. */
export function integrationEnv(world: UpgradeWorld): NodeJS.ProcessEnv {
  return {
    REQUIRE_INTEGRATION: '1', TEST_DATABASE_URL: `${world.mariadb.rootUrl}/`,
    TEST_ETCD_ENDPOINTS: world.etcd.endpoint, TEST_CONSUL_HTTP_ADDR: world.consul.address,
  };
}

export const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');

/** A repo made by `version` of create-startup-backend through `npx`, as a user makes one; returns its folder. */
export async function createWithRelease(version: string, { rpc, discovery, db, ci, service }: Combination, extra: string[] = []): Promise<string> {
  const cwd = tempDir('csb-upgrade-e2e-');
  const created = await sh('npx', [
    '--yes', '--package', `create-startup-backend@${version}`, 'create-startup-backend', 'app', '--yes', '--no-install',
    '--rpc', rpc, '--discovery', discovery, '--db', db, '--ci', ci, '--service', service, ...extra,
  ], cwd);
  expect(created.status, created.output).toBe(0);
  const repo = path.join(cwd, 'app');
  expect(JSON.parse(read(repo, '.startup-backend.json'))).toMatchObject({ templateVersion: version });
  return repo;
}

const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));

/**
 * The upgraded repo installs from its lockfile (`npm ci`, `pnpm install --frozen-lockfile`), lints,
 * type-checks and passes its tests, integration required and none skipped, on Node 24.
 */
export async function expectGreen(repo: string, world: UpgradeWorld, packageManager: 'npm' | 'pnpm'): Promise<void> {
  const [bin, install] = packageManager === 'pnpm' ? [PNPM, ['install', '--frozen-lockfile']] : ['npm', ['ci', '--no-audit', '--no-fund']];
  const installed = await sh(bin, install, repo);
  expect(installed.status, installed.output).toBe(0);
  for (const script of ['lint', 'typecheck']) {
    const result = await sh(bin, ['run', script], repo);
    expect(result.status, `${script}\n${result.output}`).toBe(0);
  }
  const tests = await sh(bin, ['test'], repo, integrationEnv(world));
  expect(tests.status, tests.output).toBe(0);
  expect(tests.output).toMatch(/Tests\s+\d+ passed \(\d+\)/);
  expect(tests.output).not.toMatch(/skipped/i);
}

export async function commitAll(repo: string, message: string): Promise<void> {
  expect((await sh('git', ['add', '--all'], repo)).status).toBe(0);
  const commit = await sh('git', ['commit', '--quiet', '-m', message], repo);
  expect(commit.status, commit.output).toBe(0);
}

const DELETED_RUNBOOK = 'docs/runbooks/db-pool-saturated.md';

/**
 * What a team changes in a year; the lines each file must still hold after the upgrade. The alert
 * threshold is edited in the one alert file releases before 0.3.0 had (`ops/prometheus/alerts.yml`,
 * which 0.3.0's migration moves to rules/<service>.yml), else in rules/<service>.yml itself.
 */
export function teamEdits(repo: string, { ci, service }: Combination, { sharedAlertFile }: { sharedAlertFile: boolean }): Record<string, string[]> {
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
  const threshold = '        for: 10m # team: 5m paged too often';
  const rules = `ops/prometheus/rules/${service}.yml`;
  edit(sharedAlertFile ? 'ops/prometheus/alerts.yml' : rules, (text) => text.replace('        for: 5m\n', `${threshold}\n`));
  lines[rules] = [threshold];
  writeFileSync(path.join(repo, 'NOTES.md'), `${lines['NOTES.md']![0]}\n`);
  unlinkSync(path.join(repo, DELETED_RUNBOOK));
  return lines;
}

/** This release's `startup-backend upgrade --no-install` in the repo; `args` adds `--to <version>` and the like. */
export const upgrade = (repo: string, args: string[] = []) => sh(process.execPath, [STARTUP_BACKEND_BIN, 'upgrade', '--no-install', ...args], repo);

/**
 * After `upgrade` to `version` (with `args`, e.g. `--to`) and its conflicts resolved: every team line is in
 * its file, the deleted runbook is still deleted, the answers file (`answers` too) and the pinned
 * devDependency name `version`. Then committed, after which the same command has nothing left to do.
 */
export async function expectUpgradedThenCommit(
  repo: string, teamLines: Record<string, string[]>, version: string, answers: Record<string, unknown>, args: string[] = [],
): Promise<void> {
  for (const [file, lines] of Object.entries(teamLines)) {
    const text = read(repo, file).split('\n');
    for (const line of lines) expect(text, `${file}: ${line}`).toContain(line);
  }
  expect(existsSync(path.join(repo, DELETED_RUNBOOK))).toBe(false);
  expect(JSON.parse(read(repo, '.startup-backend.json'))).toMatchObject({ ...answers, templateVersion: version });
  expect(JSON.parse(read(repo, 'package.json')).devDependencies).toMatchObject({ 'create-startup-backend': version });
  await commitAll(repo, `upgrade to ${version}`);
  const again = await upgrade(repo, args);
  expect(again.status, again.output).toBe(0);
  expect(again.stdout).toMatch(/already: nothing to do/);
}

/** The files `upgrade` reports as conflicting, in the order it lists them. */
const conflictsOf = (stdout: string) => [...stdout.matchAll(/^CONFLICT (\S+)$/gm)].map((match) => match[1]!);

/**
 * `upgrade` reported exactly `expected` as conflicts, exited 2 (0 when there are none) and left each
 * unmerged in git's index (`UU`); each is then resolved by keeping both sides.
 */
export async function resolveConflicts(repo: string, result: { status: number | null; output: string; stdout: string }, expected: string[]): Promise<void> {
  expect(conflictsOf(result.stdout), result.output).toEqual(expected);
  expect(result.status, result.output).toBe(expected.length > 0 ? 2 : 0);
  const unmerged = (await sh('git', ['status', '--porcelain'], repo)).stdout.split('\n').filter((line) => line.startsWith('UU '));
  expect(unmerged).toEqual(expected.map((file) => `UU ${file}`));
  for (const file of expected) takeBoth(repo, file);
}

/** Resolves a conflict as a team that wants both sides does: the markers go, both sides stay. */
function takeBoth(repo: string, file: string): void {
  const text = read(repo, file);
  writeFileSync(path.join(repo, file), text.replace(/^(<<<<<<< yours|=======|>>>>>>> startup-backend)\n/gm, ''));
  expect(read(repo, file)).not.toMatch(/^(<{7}|={7}|>{7})/m);
}
