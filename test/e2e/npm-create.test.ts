import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../cli/run-cli.js';
import { node24Env } from '../support/node24.js';
import { startNpmRegistry, type NpmRegistry } from '../support/servers.js';

/**
 * The way users get the scaffolder: the packed package published to a real npm registry (Verdaccio on
 * loopback, proxying the public registry for every other package), then `npm create startup-backend@latest`
 * and `npx --package create-startup-backend@<version> startup-backend add service` against it.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Team', GIT_AUTHOR_EMAIL: 'team@example.com', GIT_COMMITTER_NAME: 'Team', GIT_COMMITTER_EMAIL: 'team@example.com',
};

describe('npm create startup-backend@latest, from a registry the packed scaffolder was published to', () => {
  let registry: NpmRegistry;
  let repo: string;
  // A fresh npm cache: nothing of an earlier run or of the public registry's copy can stand in.
  const cache = tempDir('csb-npm-create-cache-');
  const sh = (command: string, args: string[], cwd: string) => {
    const result = spawnSync(command, args, {
      cwd,
      env: node24Env({ ...process.env, ...registry.env, ...GIT_IDENTITY, npm_config_cache: cache, NO_COLOR: '1', CI: 'true' }),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  };

  beforeAll(async () => {
    registry = await startNpmRegistry();
    const packDir = tempDir('csb-npm-create-pack-');
    const pack = spawnSync('npm', ['pack', '--pack-destination', packDir, '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    await registry.publish(path.join(packDir, `create-startup-backend-${VERSION}.tgz`));
  }, 120_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it('serves this very package as latest', () => {
    const view = sh('npm', ['view', 'create-startup-backend', 'dist-tags.latest', 'dist.tarball', '--json'], ROOT);
    expect(view.status, view.output).toBe(0);
    expect(JSON.parse(view.output.trim().split('\n\n')[0]!)).toEqual({ 'dist-tags.latest': VERSION, 'dist.tarball': `${registry.url}create-startup-backend/-/create-startup-backend-${VERSION}.tgz` });
  });

  it('npm create startup-backend@latest makes an installed, committed repo of this version', () => {
    const cwd = tempDir('csb-npm-create-');
    const created = sh('npm', ['create', '--yes', 'startup-backend@latest', 'shop', '--', '--yes', '--service', 'orders'], cwd);
    expect(created.status, created.output).toBe(0);
    expect(created.output).toMatch(/Created shop \(grpc \+ etcd \+ mysql \+ gitlab\) with service orders/);
    repo = path.join(cwd, 'shop');
    expect(JSON.parse(readFileSync(path.join(repo, '.startup-backend.json'), 'utf8'))).toMatchObject({ templateVersion: VERSION });
    expect(sh('git', ['status', '--porcelain'], repo).output.trim()).toBe('');
    expect(sh('git', ['log', '--format=%s'], repo).output.trim()).toBe(`chore: scaffold with create-startup-backend ${VERSION}`);
  }, 300_000);

  it('grows it with npx --package create-startup-backend@<version> startup-backend add service, which type-checks', () => {
    const added = sh('npx', ['--yes', '--package', `create-startup-backend@${VERSION}`, 'startup-backend', 'add', 'service', 'payments'], path.join(repo, 'services'));
    expect(added.status, added.output).toBe(0);
    expect(added.output).toMatch(/Added service payments/);
    const answers = JSON.parse(readFileSync(path.join(repo, '.startup-backend.json'), 'utf8')) as { services: Array<{ name: string }> };
    expect(answers.services.map((s) => s.name)).toEqual(['orders', 'payments']);
    const typecheck = sh('npm', ['run', 'typecheck'], repo);
    expect(typecheck.status, typecheck.output).toBe(0);
  }, 300_000);
});
