import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCombinations } from '../../generators/lockfile/pool-manifest.js';
import { RPC_FRAMEWORKS, type RpcFramework, type StackChoices } from '../../generators/shared/choices.js';
import { runCreate, tempDir } from '../cli/run-cli.js';
import { replayDockerfileInstall } from '../support/dockerfile-replay.js';
import { node24Env } from '../support/node24.js';
import { startEtcd, startMariaDb, type EtcdServer, type MariaDb } from '../support/servers.js';
import { answersFor, renderToDisk } from '../unit/fixtures.js';

/**
 * A repo made for pnpm (pnpm 11, this project's devDependency, on Node 24): its shipped
 * pnpm-lock.yaml is what pnpm itself writes, `pnpm install --frozen-lockfile` takes it, and the repo's
 * own scripts (all written for pnpm) pass, integration tests included against real etcd and MariaDB.
 */
const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));
const GITLAB_CI_LOCAL = fileURLToPath(new URL('../../node_modules/.bin/gitlab-ci-local', import.meta.url));

function pnpm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(PNPM, args, {
    cwd,
    env: node24Env({ ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...env }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

function render(choices: StackChoices, serviceNames = ['api', 'order-book']): string {
  const answers = { ...answersFor(choices, serviceNames), projectName: 'app', packageManager: 'pnpm' as const };
  return renderToDisk(path.join(tempDir('csb-pnpm-'), 'app'), answers);
}

const label = (c: StackChoices) => `${c.rpc}-${c.discovery}-${c.db}-${c.ci}`;

describe('a repo made for pnpm', () => {
  it('is what `pnpm create startup-backend` makes: installed by pnpm, lockfile kept byte for byte, committed, pnpm next steps', () => {
    const cwd = tempDir('csb-pnpm-create-');
    // As `pnpm create` runs it: pnpm's user agent, this project's pnpm first on PATH.
    const env = node24Env({ ...process.env, npm_config_user_agent: 'pnpm/11.28.11 npm/? node/v24.22.3 linux x64' });
    env.PATH = `${path.dirname(PNPM)}${path.delimiter}${env.PATH}`;
    const created = runCreate(['app', '--yes'], { cwd, env });
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/pnpm (run )?lint && pnpm (run )?typecheck && pnpm (run )?test/);
    const repo = path.join(cwd, 'app');
    expect(existsSync(path.join(repo, 'node_modules', '.pnpm'))).toBe(true);
    expect(existsSync(path.join(repo, 'package-lock.json'))).toBe(false);
    const status = spawnSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' });
    expect(status.stdout.trim()).toBe('');
    expect(JSON.parse(readFileSync(path.join(repo, '.startup-backend.json'), 'utf8'))).toMatchObject({ packageManager: 'pnpm' });
    const rendered = render({ rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab' }, ['api']);
    expect(readFileSync(path.join(repo, 'pnpm-lock.yaml'), 'utf8')).toBe(readFileSync(path.join(rendered, 'pnpm-lock.yaml'), 'utf8'));
  }, 300_000);

  // Each combination, and a repo of both frameworks (`add service --rpc`) for each registry.
  const otherRpc = (rpc: RpcFramework) => RPC_FRAMEWORKS.find((framework) => framework !== rpc)!;
  const layouts = [
    ...allCombinations().map((c) => [label(c), c, ['api', 'order-book']] as const),
    ...allCombinations().filter((c) => c.db === 'mysql' && c.ci === 'gitlab')
      .map((c) => [`${label(c)} with a ${otherRpc(c.rpc)} service`, c, ['api', `order-book:${otherRpc(c.rpc)}`, 'ledger']] as const),
  ];
  it.each(layouts)('%s: pnpm rewrites its pnpm-lock.yaml byte for byte', (_label, choices, services) => {
    const repo = render(choices, [...services]);
    const shipped = readFileSync(path.join(repo, 'pnpm-lock.yaml'), 'utf8');
    const result = pnpm(['install', '--lockfile-only'], repo);
    expect(result.status, result.output).toBe(0);
    expect(readFileSync(path.join(repo, 'pnpm-lock.yaml'), 'utf8')).toBe(shipped);
  }, 120_000);

  describe.each([
    { rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab', services: ['api', 'order-book'] },
    // order-book is a gRPC service (`add service --rpc grpc`) in a Thrift repo: two dependency sets.
    { rpc: 'thrift', discovery: 'etcd', db: 'tidb', ci: 'jenkins', services: ['api', 'order-book:grpc'] },
  ] satisfies Array<StackChoices & { services: string[] }>)('$rpc + $discovery + $db + $ci, services $services', ({ services, ...choices }) => {
    let repo: string;
    let etcd: EtcdServer;
    let mariadb: MariaDb;

    beforeAll(async () => {
      repo = render(choices, services);
      [etcd, mariadb] = await Promise.all([startEtcd(), startMariaDb()]);
      const install = pnpm(['install', '--frozen-lockfile'], repo);
      expect(install.status, install.output).toBe(0);
    }, 600_000);

    afterAll(async () => {
      await Promise.all([etcd?.stop(), mariadb?.stop()]);
    });

    it('writes pnpm, not npm, into its scripts, and has no npm workspace field', () => {
      const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest.packageManager).toMatch(/^pnpm@11\./);
      expect(manifest).not.toHaveProperty('workspaces');
      expect(JSON.stringify(manifest.scripts)).not.toMatch(/\bnpm /);
      const service = readFileSync(path.join(repo, 'services/api/package.json'), 'utf8');
      expect(service).not.toMatch(/\bnpm /);
      expect(readFileSync(path.join(repo, 'pnpm-workspace.yaml'), 'utf8')).toMatch(/protobufjs: false/);
    });

    it.each(['lint', 'typecheck', 'format:check'])('passes its own pnpm run %s', (script) => {
      const result = pnpm(['run', script], repo);
      expect(result.status, result.output).toBe(0);
    }, 300_000);

    it('passes its own pnpm test, integration included, none skipped', () => {
      // A server URL without a database: each service's tests create and use <service>_test.
      const env = { REQUIRE_INTEGRATION: '1', TEST_ETCD_ENDPOINTS: etcd.endpoint, TEST_DATABASE_URL: `${mariadb.rootUrl}/` };
      const result = pnpm(['test'], repo, env);
      expect(result.status, result.output).toBe(0);
      expect(result.output).toMatch(/Tests\s+\d+ passed \(\d+\)/);
      expect(result.output).not.toMatch(/skipped/i);
    }, 300_000);

    // The GitLab pipeline only exists in the GitLab combination (Jenkins has no local runner).
    if (choices.ci === 'gitlab') it('passes its own GitLab install and lint jobs, run by gitlab-ci-local (shell executor), pnpm fetched by npx as in the image', () => {
      // A pipeline runs in a git checkout: gitlab-ci-local resolves the wildcard `include:` of the
      // services' build jobs with `git ls-files`.
      for (const args of [['init', '--quiet'], ['add', '--all'], ['-c', 'user.name=CI', '-c', 'user.email=ci@example.invalid', 'commit', '--quiet', '-m', 'generated']]) {
        const git = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
        expect(git.status, git.stderr).toBe(0);
      }
      const result = spawnSync(GITLAB_CI_LOCAL, ['--force-shell-executor', '--concurrency', '1', '--needs', 'lint'], {
        cwd: repo,
        env: node24Env({ ...process.env, CI: 'true', NO_COLOR: '1' }),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.status, output).toBe(0);
      expect(output).toMatch(/install \$ npx --yes pnpm@11\.\d+\.\d+ install --frozen-lockfile/);
      for (const job of ['install', 'lint']) expect(output).toMatch(new RegExp(`PASS\\s+${job}\\b`));
    }, 600_000);

    it.each(['build', 'runtime'] as const)('installs as the %s stage of a service\'s Dockerfile does (pnpm, no other service present)', (stage) => {
      const replay = replayDockerfileInstall(repo, 'services/order-book/Dockerfile', stage);
      expect(replay.status, replay.output).toBe(0);
      expect(replay.commands.join('\n')).toMatch(/npm install --global .*pnpm@11\.\d+\.\d+\s+&&\s+pnpm install --frozen-lockfile.* --filter @app\/order-book/);
    }, 300_000);
  });
});
