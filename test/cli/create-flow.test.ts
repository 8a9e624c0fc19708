import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeCommands, listTree, runCreate, tempDir } from './run-cli.js';

describe('create: the whole run', () => {
  it('accepts any path; its last segment is the project name', () => {
    const cwd = tempDir();
    const result = runCreate(['work/nested/shop', '--yes', '--no-install', '--no-git'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    const answers = JSON.parse(readFileSync(path.join(cwd, 'work/nested/shop/.startup-backend.json'), 'utf8'));
    expect(answers.projectName).toBe('shop');
    expect(result.stdout).toContain('cd work/nested/shop');
  });

  it("names the chosen stack's servers in its next steps", () => {
    const cwd = tempDir();
    const result = runCreate(['ledger', '--yes', '--no-install', '--no-git', '--db', 'tidb', '--discovery', 'consul'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Integration tests need TiDB and Consul');
  });

  it('writes .env with fresh secrets, uncommitted, and makes a first commit', () => {
    const cwd = tempDir();
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    const result = runCreate(['app', '--yes', '--no-install'], { cwd, env });
    expect(result.status, result.stderr).toBe(0);
    const root = path.join(cwd, 'app');
    const envFile = path.join(root, 'services/api/.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const envText = readFileSync(envFile, 'utf8');
    expect(envText).not.toContain('change-me');
    const passwords = [...envText.matchAll(/mysql:\/\/api:([^@]+)@/g)].map((m) => m[1]);
    expect(passwords).toHaveLength(2);
    expect(new Set(passwords).size).toBe(1);
    expect(passwords[0]).toMatch(/^[\w-]{24}$/);
    const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
    expect(git('log', '--format=%s')).toMatch(/^chore: scaffold with create-startup-backend/);
    expect(git('status', '--porcelain')).toBe('');
    expect(git('ls-files')).not.toMatch(/(^|\/)\.env$/m);
  });

  it('--dry-run lists the files and writes nothing', () => {
    const cwd = tempDir();
    const result = runCreate(['app', '--yes', '--dry-run'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/CREATE app\/\.startup-backend\.json/);
    expect(result.stdout).toMatch(/Dry run: nothing was written/);
    expect(listTree(cwd)).toEqual([]);
  });

  it.each([
    ['npm', []],
    ['pnpm', ['--package-manager', 'pnpm']],
  ])('a failed %s install keeps the files, skips git, names the command to retry and exits 1', (pm, flags) => {
    const cwd = tempDir();
    const env = fakeCommands({ [pm]: 'echo "ERR! 503 Service Unavailable" >&2; exit 1' });
    const result = runCreate(['work/app', '--yes', ...flags], { cwd, env });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain('ERR! 503 Service Unavailable');
    expect(result.stderr).toContain(
      `error ${pm} install exited with code 1. The generated files are kept (git init was skipped): fix the error above, then run: cd work/app && ${pm} install`,
    );
    expect(existsSync(path.join(cwd, 'work/app/.startup-backend.json'))).toBe(true);
    expect(existsSync(path.join(cwd, 'work/app/services/api/.env'))).toBe(true);
    expect(existsSync(path.join(cwd, 'work/app/.git'))).toBe(false);
    expect(result.stdout).not.toContain('Done.');
  });

  it('--package-manager pnpm installs with pnpm, records it, and prints pnpm next steps', () => {
    const cwd = tempDir();
    const log = path.join(tempDir('csb-log-'), 'pnpm.log');
    const env = fakeCommands({ pnpm: `echo "$@" >> "${log}"`, npm: 'echo "npm must not run" >&2; exit 1' });
    const result = runCreate(['app', '--yes', '--no-git', '--package-manager', 'pnpm'], { cwd, env });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('install\n');
    expect(JSON.parse(readFileSync(path.join(cwd, 'app/.startup-backend.json'), 'utf8')).packageManager).toBe('pnpm');
    expect(result.stdout).toContain('  pnpm lint && pnpm typecheck && pnpm test\n');
  });

  it.each([
    ['npm_config_user_agent of `pnpm create`', { npm_config_user_agent: 'pnpm/9.15.0 npm/? node/v20.19.0 linux x64' }, [], 'pnpm'],
    ['--package-manager npm over the user agent', { npm_config_user_agent: 'pnpm/9.15.0 npm/? node/v20.19.0 linux x64' }, ['--package-manager', 'npm'], 'npm'],
    ['--package-manager npm under `yarn create`', { npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20.19.0 linux x64' }, ['--package-manager', 'npm'], 'npm'],
    ['no user agent', { npm_config_user_agent: '' }, [], 'npm'],
  ])('package manager from %s', (_label, env, flags, pm) => {
    const cwd = tempDir();
    const result = runCreate(['app', '--yes', '--no-install', '--no-git', ...flags], { cwd, env });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(cwd, 'app/.startup-backend.json'), 'utf8')).packageManager).toBe(pm);
    expect(result.stdout).toContain(`  ${pm} install\n`);
    expect(result.stdout).toContain(pm === 'npm' ? '  npm run lint && npm run typecheck && npm test\n' : '  pnpm lint && pnpm typecheck && pnpm test\n');
  });

  it.each([
    ['.', []],
    ['./', []],
    ['.', ['.git']],
  ])('"%s" creates in the current directory (holding %j), named after it', (dir, existing) => {
    const cwd = path.join(tempDir(), 'shop');
    for (const entry of ['', ...existing]) mkdirSync(path.join(cwd, entry), { recursive: true });
    const result = runCreate([dir, '--yes', '--no-install', '--no-git'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(cwd, '.startup-backend.json'), 'utf8')).projectName).toBe('shop');
    expect(result.stdout).not.toMatch(/^ +cd /m);
    expect(result.stdout).toContain('Created shop');
  });

  it('keeps a name that looks like a number as typed (1e3 is not 1000)', () => {
    const cwd = tempDir();
    const result = runCreate(['1e3', '--yes', '--dry-run'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('CREATE 1e3/.startup-backend.json');
  });

  it('accepts a switch given twice the same way (-y --yes)', () => {
    const cwd = tempDir();
    const result = runCreate(['app', '-y', '--yes', '--dry-run', '--dry-run'], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Dry run: nothing was written/);
  });
});
