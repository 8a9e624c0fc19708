import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CREATE_BIN, listTree, runCreate, tempDir } from './run-cli.js';

const OFFLINE_NPM = {
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_fetch_retries: '0',
  npm_config_fetch_timeout: '2000',
  npm_config_cache: path.join(tempDir('csb-cache-'), 'npm'),
};

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

  it('a failed install removes the directory it created and exits 1', () => {
    const cwd = tempDir();
    const result = runCreate(['app', '--yes', '--no-git'], { cwd, env: OFFLINE_NPM });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/npm install failed/);
    expect(existsSync(path.join(cwd, 'app'))).toBe(false);
  });

  it('Ctrl-C during the install removes the directory', async () => {
    const cwd = tempDir();
    const child = spawn(process.execPath, [CREATE_BIN, 'app', '--yes', '--no-git'], {
      cwd,
      env: { ...process.env, ...OFFLINE_NPM, npm_config_fetch_timeout: '60000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const root = path.join(cwd, 'app');
    while (!existsSync(path.join(root, 'services/api/.env'))) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(existsSync(root)).toBe(false);
  });
});
