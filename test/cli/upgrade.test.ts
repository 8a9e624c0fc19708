import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedInRepo, runCreate, runStartupBackend, tempDir, type CliResult } from './run-cli.js';

/**
 * `startup-backend upgrade` as a user runs it, on a repo made by this release's `create` and committed:
 * re-answering a question with the same release (`--set`), the conflict workflow, and what it refuses.
 * Repos made by older releases are test/e2e/upgrade.test.ts's.
 */
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Team', GIT_AUTHOR_EMAIL: 'team@example.com', GIT_COMMITTER_NAME: 'Team', GIT_COMMITTER_EMAIL: 'team@example.com',
};
let template: string;
let cache: string;

beforeAll(() => {
  const cwd = tempDir('csb-upgrade-template-');
  const created = runCreate(['shop', '--yes', '--no-install', '--service', 'orders'], { cwd, env: GIT_IDENTITY });
  expect(created.status, created.stderr).toBe(0);
  template = path.join(cwd, 'shop');
  cache = tempDir('csb-upgrade-cache-');
});

function repo(): string {
  const dir = path.join(tempDir('csb-upgrade-'), 'shop');
  cpSync(template, dir, { recursive: true });
  return dir;
}

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...GIT_IDENTITY } });
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
/** `startup-backend upgrade` in `dir`, without the install unless asked. */
const upgrade = (dir: string, args: string[], { install = false, env = {} }: { install?: boolean; env?: NodeJS.ProcessEnv } = {}): CliResult =>
  runStartupBackend(['upgrade', ...(install ? [] : ['--no-install']), ...args], { cwd: dir, env: { ...GIT_IDENTITY, STARTUP_BACKEND_CACHE: cache, ...env } });


describe('startup-backend upgrade', () => {
  it('--set db=tidb re-renders with the same release: MariaDB-only files go, shared files keep the team\'s lines; and back again (case 6)', () => {
    const dir = repo();
    appendFileSync(path.join(dir, 'docker-compose.yml'), '\n# team: our own comment at the end\n');
    appendFileSync(path.join(dir, 'README.md'), '\n## Team notes\nOn-call lives in Notion.\n');
    git(dir, 'commit', '--quiet', '-am', 'team edits');
    const toTidb = upgrade(dir, ['--set', 'db=tidb']);
    expect(toTidb.status, toTidb.stderr).toBe(0);
    expect(toTidb.stdout).toMatch(/Re-rendered at \d+\.\d+\.\d+ with db=tidb/);
    expect(JSON.parse(read(dir, '.startup-backend.json'))).toMatchObject({ db: 'tidb' });
    expect(read(dir, 'docker-compose.yml')).toMatch(/pingcap\/tidb/);
    expect(read(dir, 'docker-compose.yml')).toContain('# team: our own comment at the end\n');
    expect(read(dir, 'README.md')).toContain('## Team notes\nOn-call lives in Notion.\n');
    git(dir, 'add', '--all');
    git(dir, 'commit', '--quiet', '-m', 'tidb');
    const back = upgrade(dir, ['--set', 'db=mysql']);
    expect(back.status, back.stderr).toBe(0);
    // Every generated file is as before the round trip; the team's lines are still there.
    git(dir, 'add', '--all');
    expect(git(dir, 'diff', '--cached', '--stat', 'HEAD~1')).toBe('');
  });

  it('a conflict: markers, the file unmerged in git\'s index, exit 2; running it again changes nothing (case 1)', () => {
    const dir = repo();
    const compose = read(dir, 'docker-compose.yml');
    const image = /image: (mariadb:\S+)/.exec(compose)![1]!;
    writeFileSync(path.join(dir, 'docker-compose.yml'), compose.replaceAll(`image: ${image}`, 'image: mariadb:11.8-team'));
    git(dir, 'commit', '--quiet', '-am', 'team pins MariaDB');
    const result = upgrade(dir, ['--set', 'db=tidb']);
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/^CONFLICT docker-compose\.yml$/m);
    expect(result.stderr).toMatch(/1 file has conflicts \(docker-compose\.yml\).*git status lists them as unmerged/);
    expect(read(dir, 'docker-compose.yml')).toMatch(/<<<<<<< yours\n[^]*mariadb:11\.8-team[^]*=======\n[^]*>>>>>>> startup-backend\n/);
    expect(git(dir, 'status', '--porcelain')).toMatch(/^UU docker-compose\.yml$/m);
    const again = upgrade(dir, ['--set', 'db=tidb']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/uncommitted changes/);
  });

  it('a write failing halfway leaves every file and the recorded release as they were (case 12)', () => {
    const dir = repo();
    // A file where the Jenkins choice needs a folder (.github/): staging its files fails after others were staged.
    writeFileSync(path.join(dir, '.github'), 'in the way\n');
    git(dir, 'add', '.github');
    git(dir, 'commit', '--quiet', '-m', 'a file named .github');
    const before = read(dir, '.startup-backend.json');
    const result = upgrade(dir, ['--set', 'ci=jenkins']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error Could not write \.github\/\S+ \(.*\): nothing was changed\. Fix that/);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(read(dir, '.startup-backend.json')).toBe(before);
  });

  it('--dry-run prints the plan with diffs and writes nothing', () => {
    const dir = repo();
    const result = upgrade(dir, ['--set', 'ci=jenkins', '--dry-run']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^CREATE +Jenkinsfile$/m);
    expect(result.stdout).toMatch(/^DELETE +\.gitlab-ci\.yml$/m);
    expect(result.stdout).toMatch(/Dry run: nothing was written\.\n$/);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('at its own release without --set: nothing to do', () => {
    const dir = repo();
    const result = upgrade(dir, []);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/at create-startup-backend \d+\.\d+\.\d+ already: nothing to do/);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('--check: exit 0 at the newest release; exit 1 naming both versions when behind', () => {
    const dir = repo();
    const current = upgrade(dir, ['--check']);
    expect(current.status, current.stderr).toBe(0);
    expect(current.stdout).toMatch(/the newest release/);
    writeFileSync(path.join(dir, '.startup-backend.json'), read(dir, '.startup-backend.json').replace(/"templateVersion": "[^"]+"/, '"templateVersion": "0.3.0"'));
    const behind = upgrade(dir, ['--check']);
    expect(behind.status).toBe(1);
    expect(behind.stdout).toMatch(/at create-startup-backend 0\.3\.0; \d+\.\d+\.\d+ is out: run npx --package create-startup-backend@\d+\.\d+\.\d+ startup-backend upgrade/);
    // 0.3.0 is neither installed nor cached, and a check downloads nothing: drift is not guessed at.
    expect(behind.stdout).toMatch(/^Drift not checked: create-startup-backend 0\.3\.0 is neither in the repository's node_modules nor in the cache \(.*\): install the repository's dependencies \(they pin it\), then run again\.$/m);
    // Offline (nothing listens on port 9): compared with this copy, and said so.
    const offline = upgrade(dir, ['--check'], { env: { npm_config_registry: 'http://127.0.0.1:9/' } });
    expect(offline.status).toBe(1);
    expect(offline.stdout).toMatch(/; \d+\.\d+\.\d+ is out \(the registry http:\/\/127\.0\.0\.1:9\/ could not be reached \(fetch failed\): compared with this copy, \d+\.\d+\.\d+\)/);
  });

  it('--check lists the files that differ from a fresh render of the recorded release: edited, deleted; not the team\'s own (case 19)', () => {
    const dir = repo();
    expect(upgrade(dir, ['--check']).stdout).toMatch(/^No drift: every file \d+\.\d+\.\d+ renders for the recorded answers is as it rendered it\.$/m);
    appendFileSync(path.join(dir, 'README.md'), '\n## Team notes\n');
    writeFileSync(path.join(dir, 'docker-compose.yml'), read(dir, 'docker-compose.yml').replace(/\n/g, '\r\n'));
    unlinkSync(path.join(dir, 'docs/runbooks/db-pool-saturated.md'));
    writeFileSync(path.join(dir, 'NOTES.md'), 'Our own file.\n');
    const result = upgrade(dir, ['--check']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n').slice(1).join('\n')).toMatch(
      /^Drift: 2 files differ from what \d+\.\d+\.\d+ renders for the recorded answers \(an upgrade merges into them\):\n {2}edited {13}README\.md\n {2}deleted {12}docs\/runbooks\/db-pool-saturated\.md\n$/,
    );
  });

  it('a file left with conflicts is neither parsed nor installed from: the run finishes, lists it, exit 2 (case 13)', () => {
    const dir = repo();
    const example = 'services/orders/.env.example';
    // The team points its local database at another port, on the line TiDB changes, and adds a key beside it.
    writeFileSync(path.join(dir, example), read(dir, example).replace(/(DATABASE_URL=\S+):3306\/orders\n/, '$1:3307/orders\nTEAM_ONLY_KEY=1\n'));
    git(dir, 'commit', '--quiet', '-am', 'team database port');
    const localEnv = read(dir, 'services/orders/.env');
    // With the install on: a conflicted file must stop it before it reads package.json or the lockfile.
    const result = upgrade(dir, ['--set', 'db=tidb'], { install: true });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stdout).toMatch(/^CONFLICT services\/orders\/\.env\.example$/m);
    expect(result.stdout).toMatch(/^CREATE +ops\/tidb\//m);
    expect(result.stderr).toMatch(/1 file has conflicts \(services\/orders\/\.env\.example\): resolve the <<<<<<< markers, then run npm install/);
    expect(read(dir, 'services/orders/.env')).toBe(localEnv);
    expect(existsSync(path.join(dir, 'node_modules'))).toBe(false);
  });

  describe('bad input: one line naming the fix, exit 1, git status clean', () => {
    it.each([
      ['a dirty tree', (dir: string) => appendFileSync(path.join(dir, 'README.md'), 'x\n'), ['--set', 'db=tidb'], /uncommitted changes \(README\.md\): commit or stash them first, or pass --allow-dirty/],
      ['an unknown question', undefined, ['--set', 'colour=red'], /--set colour=red: unknown question "colour"/],
      ['an unknown value', undefined, ['--set', 'db=oracle'], /Unknown --db value "oracle"\. Valid values: mysql, tidb\./],
      ['an older --to', undefined, ['--to', '0.1.0'], /newer than --to 0\.1\.0: upgrade never goes back/],
      ['a --to that is no version', undefined, ['--to', 'latest'], /--to latest is not a version/],
      ['an argument', undefined, ['now'], /upgrade takes no arguments/],
      ['a repository newer than this copy', (dir: string) => {
        writeFileSync(path.join(dir, '.startup-backend.json'), read(dir, '.startup-backend.json').replace(/"templateVersion": "[^"]+"/, '"templateVersion": "9.0.0"'));
        git(dir, 'commit', '--quiet', '-am', 'from the future');
      }, [], /at 9\.0\.0, newer than this create-startup-backend \d+\.\d+\.\d+: run npx --package create-startup-backend@latest startup-backend upgrade/],
    ] as const)('%s', (_label, prepare, args, message) => {
      const dir = repo();
      prepare?.(dir);
      const result = upgrade(dir, [...args]);
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      if (_label !== 'a dirty tree') expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    });

    it('a release that made the repo which is neither installed, cached nor in the registry (case 8)', () => {
      const dir = repo();
      writeFileSync(path.join(dir, '.startup-backend.json'), read(dir, '.startup-backend.json').replace(/"templateVersion": "[^"]+"/, '"templateVersion": "0.0.9"'));
      git(dir, 'commit', '--quiet', '-am', 'pretend an unpublished release made it');
      expectRefusedInRepo(dir, upgrade(dir, []), /create-startup-backend 0\.0\.9, the release that made this repository, is needed .* npm could not fetch it .*: check the registry/);
    });
  });
});
