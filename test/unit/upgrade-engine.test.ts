import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../generators/engine/apply.js';
import { recordConflictsInIndex } from '../../generators/engine/git-index.js';
import type { ReleaseRenderer } from '../../generators/engine/releases.js';
import type { RenderedRepo } from '../../generators/engine/render.js';
import { findRepository } from '../../generators/engine/repository.js';
import type { Migration } from '../../generators/engine/migrations/index.js';
import { planUpgrade, withSettings } from '../../generators/engine/upgrade.js';
import { ANSWERS_FILE, serializeAnswers, type ProjectAnswers } from '../../generators/shared/answers.js';
import { answersFor } from './fixtures.js';

/**
 * The upgrade engine on fixture releases (renderers over literal files) that change, add, remove and
 * rename files, so each rule of ../shared/upgrade-scenarios.md is seen on its own; the real releases are
 * test/e2e/upgrade.test.ts's.
 */
const work = mkdtempSync(path.join(tmpdir(), 'csb-upgrade-engine-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@e' };
const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: GIT_ENV });

type Files = Record<string, string | Buffer>;

/** A release that renders the answers file and `files(answers)`. */
function fixtureRelease(version: string, files: (answers: ProjectAnswers) => Files): ReleaseRenderer {
  return {
    version,
    render(answers): RenderedRepo {
      const all: Files = { [ANSWERS_FILE]: serializeAnswers({ ...answers, templateVersion: version }), ...files(answers) };
      return new Map(Object.entries(all).map(([file, content]) => [file, Buffer.from(content)]));
    },
  };
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]);

const v1 = fixtureRelease('1.0.0', (answers) => ({
  'README.md': `# app\n\nDatabase: ${answers.db}\n\nRun it.\n\n## Links\n`,
  'docker-compose.yml': 'services:\n  api:\n    image: "node:24.1"\n  db:\n    image: "mariadb:11"\n',
  'docs/runbooks/old.md': 'Old runbook.\n',
  'docs/runbooks/unwanted.md': 'A runbook the team deletes.\n',
  'ops/alerts.yml': 'groups:\n  - name: api\n    rules: []\n',
  'logo.png': PNG,
  ...(answers.db === 'tidb' ? { 'ops/tidb.toml': 'tidb config\n' } : { 'ops/mariadb.cnf': 'mariadb config\n' }),
}));

const v2 = fixtureRelease('2.0.0', (answers) => ({
  'README.md': `# app\n\nDatabase: ${answers.db}\n\nRun it with npm start.\n\n## Links\n`,
  'docker-compose.yml': 'services:\n  api:\n    image: "node:24.2"\n  db:\n    image: "mariadb:11"\n',
  // old.md is gone; unwanted.md changed; alerts.yml renamed to rules.yml; a new file.
  'docs/runbooks/unwanted.md': 'A runbook the team deletes, improved.\n',
  'ops/rules.yml': 'groups:\n  - name: api\n    rules: []\n',
  'docs/new.md': 'New in 2.0.0.\n',
  'logo.png': Buffer.concat([PNG, Buffer.from([4])]),
  ...(answers.db === 'tidb' ? { 'ops/tidb.toml': 'tidb config\n' } : { 'ops/mariadb.cnf': 'mariadb config\n' }),
}));

/** A committed repo as `release` made it, with `edits` by the team committed on top. */
function repoMadeBy(release: ReleaseRenderer, name: string, edits: (dir: string) => void = () => {}, answers = answersFor({}, ['api'])): string {
  const dir = path.join(work, name);
  for (const [file, content] of release.render({ ...answers, templateVersion: release.version }, {})) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  git(dir, 'init', '--quiet');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'generated');
  edits(dir);
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--allow-empty', '-m', 'team edits');
  return dir;
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const append = (dir: string, file: string, text: string) => writeFileSync(path.join(dir, file), read(dir, file) + text);

function upgrade(dir: string, set: string[] = [], base = v1, theirs = v2) {
  const plan = planUpgrade(findRepository(dir), { base, theirs, set });
  const byPath = Object.fromEntries(plan.files.map((file) => [file.path, file]));
  return { plan, byPath };
}

describe('upgrade on fixture releases: the per-file rule', () => {
  it('untouched files take the new release; files the release removed go; new files come; the answers record it', () => {
    const dir = repoMadeBy(v1, 'untouched');
    const { plan, byPath } = upgrade(dir);
    expect(byPath['docker-compose.yml']?.action).toBe('updated');
    expect(byPath['docs/runbooks/old.md']?.action).toBe('removed');
    expect(byPath['docs/new.md']?.action).toBe('created');
    expect(byPath['ops/mariadb.cnf']?.action).toBe('unchanged');
    applyPlan(dir, plan.files);
    expect(existsSync(path.join(dir, 'docs/runbooks/old.md'))).toBe(false);
    expect(JSON.parse(read(dir, ANSWERS_FILE))).toMatchObject({ templateVersion: '2.0.0' });
    // The repo is now exactly what 2.0.0 renders.
    for (const [file, content] of v2.render({ ...answersFor({}, ['api']), templateVersion: '2.0.0' }, {})) {
      expect(readFileSync(path.join(dir, file)).equals(content), file).toBe(true);
    }
  });

  it('a team line beside a changed one merges; the same line changed by both is a conflict, recorded as unmerged in git (cases 1, 2)', () => {
    const dir = repoMadeBy(v1, 'merge', (d) => {
      append(d, 'README.md', '\n## Team notes\nOn-call lives in Notion.\n');
      writeFileSync(path.join(d, 'docker-compose.yml'), read(d, 'docker-compose.yml').replace('node:24.1', 'node:24.1-team'));
    });
    const { plan, byPath } = upgrade(dir);
    expect(byPath['README.md']?.action).toBe('merged');
    expect(byPath['README.md']?.content?.toString()).toContain('Run it with npm start.\n\n## Links\n\n## Team notes\nOn-call lives in Notion.\n');
    expect(byPath['docker-compose.yml']?.action).toBe('conflict');
    applyPlan(dir, plan.files);
    recordConflictsInIndex(dir, plan.files.filter((file) => file.action === 'conflict'));
    expect(read(dir, 'docker-compose.yml')).toMatch(/<<<<<<< yours\n {4}image: "node:24\.1-team"\n=======\n {4}image: "node:24\.2"\n>>>>>>> startup-backend/);
    expect(git(dir, 'status', '--porcelain')).toMatch(/^UU docker-compose\.yml$/m);
    expect(git(dir, 'ls-files', '--unmerged', '--', 'docker-compose.yml').trim().split('\n').map((line) => line.split(/\s+/)[2])).toEqual(['1', '2', '3']);
  });

  it('a file the team deleted stays deleted; an edited file the release renamed or removed is kept and reported (cases 4, 5)', () => {
    const dir = repoMadeBy(v1, 'deleted', (d) => {
      unlinkSync(path.join(d, 'docs/runbooks/unwanted.md'));
      append(d, 'ops/alerts.yml', '  - name: team\n    rules: []\n');
      append(d, 'docs/runbooks/old.md', 'Team step.\n');
    });
    const { byPath } = upgrade(dir);
    expect(byPath['docs/runbooks/unwanted.md']).toMatchObject({ action: 'kept', reason: 'you deleted it; it stays deleted' });
    expect(byPath['ops/alerts.yml']).toMatchObject({ action: 'kept', reason: expect.stringMatching(/no longer render/) });
    expect(byPath['docs/runbooks/old.md']).toMatchObject({ action: 'kept' });
    expect(byPath['ops/rules.yml']?.action).toBe('created');
  });

  it('a binary file the team changed is never merged (kept, reported)', () => {
    const dir = repoMadeBy(v1, 'binary', (d) => writeFileSync(path.join(d, 'logo.png'), Buffer.concat([PNG, Buffer.from([9])])));
    expect(upgrade(dir).byPath['logo.png']).toMatchObject({ action: 'kept', reason: expect.stringMatching(/binary/) });
  });

  it('--set db=tidb with the same release: the old choice\'s file goes, the new one comes, shared files keep the team\'s lines (case 6)', () => {
    const dir = repoMadeBy(v1, 'reanswer', (d) => append(d, 'README.md', 'Team line.\n'));
    const { plan, byPath } = upgrade(dir, ['db=tidb'], v1, v1);
    expect(byPath['ops/mariadb.cnf']?.action).toBe('removed');
    expect(byPath['ops/tidb.toml']?.action).toBe('created');
    expect(byPath['README.md']?.action).toBe('merged');
    expect(byPath['README.md']?.content?.toString()).toBe('# app\n\nDatabase: tidb\n\nRun it.\n\n## Links\nTeam line.\n');
    expect(plan.answers.db).toBe('tidb');
    applyPlan(dir, plan.files);
    git(dir, 'commit', '--quiet', '-am', 'tidb');
    // And back again: mariadb.cnf returns, the team line stays.
    const back = upgrade(dir, ['db=mysql'], v1, v1);
    expect(back.byPath['ops/mariadb.cnf']?.action).toBe('created');
    expect(back.byPath['README.md']?.content?.toString()).toBe('# app\n\nDatabase: mysql\n\nRun it.\n\n## Links\nTeam line.\n');
  });
});

describe('upgrade on fixture releases: migrations', () => {
  const rename: Migration = { version: '1.5.0', description: 'alerts.yml became rules.yml', moves: () => [{ from: 'ops/alerts.yml', to: 'ops/rules.yml' }] };

  it('a file the release moved: the team\'s edit is merged into the new path, the old path goes (case 5)', () => {
    const dir = repoMadeBy(v1, 'moved', (d) => writeFileSync(path.join(d, 'ops/alerts.yml'), read(d, 'ops/alerts.yml').replace('rules: []', 'rules: [] # team')));
    const plan = planUpgrade(findRepository(dir), { base: v1, theirs: v2, set: [], migrations: [rename] });
    const byPath = Object.fromEntries(plan.files.map((file) => [file.path, file]));
    expect(byPath['ops/alerts.yml']).toMatchObject({ action: 'removed', reason: 'moved to ops/rules.yml' });
    expect(byPath['ops/rules.yml']).toMatchObject({ action: 'created', reason: 'your ops/alerts.yml, moved here' });
    applyPlan(dir, plan.files);
    expect(existsSync(path.join(dir, 'ops/alerts.yml'))).toBe(false);
    expect(read(dir, 'ops/rules.yml')).toBe('groups:\n  - name: api\n    rules: [] # team\n');
  });

  it('run once each, in version order, only those after the recorded release up to the new one (case 7)', () => {
    const dir = repoMadeBy(v1, 'ordered');
    const seen: string[] = [];
    const migration = (version: string): Migration => ({
      version, description: version, answers: (answers) => (seen.push(version), { ...answers, projectName: `${answers.projectName}-${version}` }),
    });
    const plan = planUpgrade(findRepository(dir), { base: v1, theirs: v2, set: [], migrations: ['1.2.0', '0.9.0', '1.1.0', '2.0.0', '3.0.0'].map(migration) });
    expect(plan.migrations.map((m) => m.version)).toEqual(['1.1.0', '1.2.0', '2.0.0']);
    // Each of the two base renders and the theirs render saw the answers once; the migrations ran once each.
    expect(seen).toEqual(['1.1.0', '1.2.0', '2.0.0']);
    expect(plan.answers.projectName).toBe('acme-1.1.0-1.2.0-2.0.0');
  });
});

describe('upgrade on fixture releases: a wrong base is never merged against', () => {
  it('refuses a base that renders differently each time (case 9)', () => {
    const dir = repoMadeBy(v1, 'unstable');
    let calls = 0;
    const unstable: ReleaseRenderer = { version: '1.0.0', render: (answers, options) => new Map([...v1.render(answers, options), ['stamp.txt', Buffer.from(String(calls++))]]) };
    expect(() => upgrade(dir, [], unstable)).toThrow(/renders stamp\.txt differently each time/);
  });

  it('refuses a base whose answers file is not the repository\'s (edited by hand)', () => {
    const dir = repoMadeBy(v1, 'hand-edited', (d) => writeFileSync(path.join(d, ANSWERS_FILE), read(d, ANSWERS_FILE).replace('"projectName": "acme"', '"projectName": "acme", "extra": 1')));
    expect(() => upgrade(dir)).toThrow(/does not render the answers \.startup-backend\.json records .*restore it from git/);
  });
});

describe('--set', () => {
  const answers = answersFor({}, ['orders', 'billing']);
  it.each([
    [['db=tidb'], { db: 'tidb' }],
    [['ci=jenkins', 'discovery=consul'], { ci: 'jenkins', discovery: 'consul' }],
    [['billing.rpc=thrift'], { services: [answers.services[0], { ...answers.services[1], rpc: 'thrift' }] }],
  ])('%j', (set, expected) => {
    expect(withSettings(answers, set)).toMatchObject(expected);
  });

  it('a service set back to the project\'s framework records none', () => {
    const thrift = withSettings(answers, ['billing.rpc=thrift']);
    expect(withSettings(thrift, ['billing.rpc=grpc']).services[1]).toEqual(answers.services[1]);
  });

  it.each([
    ['db', /expected question=value/],
    ['colour=red', /unknown question "colour"/],
    ['db=oracle', /Unknown --db value "oracle"/],
    ['ledger.rpc=thrift', /no service "ledger"/],
    ['billing.db=tidb', /a service has one question, rpc/],
  ])('refuses %s', (setting, message) => {
    expect(() => withSettings(answers, [setting])).toThrow(message);
  });
});
