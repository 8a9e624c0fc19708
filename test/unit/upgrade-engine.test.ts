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
import { driftOf, planUpgrade, withSettings } from '../../generators/engine/upgrade.js';
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

describe('upgrade on fixture releases: lists, YAML and JSON, line endings, local files', () => {
  const compose = (extra = '') => `services:\n  api:\n    image: "node:24.1"\n  db:\n    image: "mariadb:11"\n${extra}`;
  const yaml = (restart: string) =>
    `# Tuned per service: keep the comments.\nx-defaults: &defaults\n  restart: ${restart}\nservices:\n  api:\n    <<: *defaults\n    image: 'node:24.1' # single quotes on purpose\n    environment:\n      ZED: "1"\n      ALPHA: 2\n      LOG_LEVEL: "info"\n`;
  const manifest = (typescript: string) => `{\n  "name": "app",\n  "private": true,\n  "scripts": {\n    "test": "vitest run",\n    "lint": "eslint ."\n  },\n  "devDependencies": {\n    "typescript": "${typescript}"\n  }\n}\n`;
  const readme = (details: string) => `# app\n\nRun it.  \n\n${details}\n\n## Links\n`;
  const one = fixtureRelease('1.0.0', () => ({
    'docker-compose.yml': compose(),
    'ops/rules/api.yml': 'groups: []\n',
    'ops/stack.yml': yaml('unless-stopped'),
    'package.json': manifest('5.8.3'),
    'README.md': readme('Details here.'),
    'docs/setup.md': 'Step one.\nStep two.\n',
  }));
  const two = fixtureRelease('2.0.0', () => ({
    'docker-compose.yml': compose('  cache:\n    image: "valkey:8"\n'),
    'ops/rules/api.yml': 'groups: []\n',
    'ops/rules/cache.yml': 'groups: []\n',
    'ops/stack.yml': yaml('always'),
    'package.json': manifest('5.9.3'),
    'README.md': readme('Details, improved.'),
    'docs/setup.md': 'Step one.\nStep two, faster.\n',
    '.env': 'A_LOCAL_FILE=from-the-release\n',
    'config.local.json': '{ "release": true }\n',
  }));
  const crlf = (text: string) => text.replace(/\n/g, '\r\n');

  it('both append to the end of the same list: both entries survive, in a conflict for the team to order; one file per entry merges cleanly (case 3)', () => {
    const dir = repoMadeBy(one, 'lists', (d) => {
      append(d, 'docker-compose.yml', '  redis:\n    image: "redis:7.4"\n');
      writeFileSync(path.join(d, 'ops/rules/redis.yml'), 'groups: [] # team\n');
    });
    const { plan, byPath } = upgrade(dir, [], one, two);
    expect(byPath['docker-compose.yml']?.action).toBe('conflict');
    expect(byPath['docker-compose.yml']?.content?.toString()).toBe(
      compose('<<<<<<< yours\n  redis:\n    image: "redis:7.4"\n=======\n  cache:\n    image: "valkey:8"\n>>>>>>> startup-backend\n'),
    );
    expect(byPath['ops/rules/cache.yml']?.action).toBe('created');
    expect(byPath['ops/rules/redis.yml']).toBeUndefined();
    applyPlan(dir, plan.files);
    expect(read(dir, 'ops/rules/redis.yml')).toBe('groups: [] # team\n');
  });

  it('comments, quoting, anchors and key order of the team\'s YAML and JSON survive: the diff is the release\'s line only (case 14)', () => {
    const dir = repoMadeBy(one, 'yaml-json', (d) => {
      writeFileSync(path.join(d, 'ops/stack.yml'), read(d, 'ops/stack.yml').replace('LOG_LEVEL: "info"', "LOG_LEVEL: 'debug' # team: noisy on purpose"));
      writeFileSync(path.join(d, 'package.json'), read(d, 'package.json').replace('"lint": "eslint ."', '"lint": "eslint .",\n    "e2e": "playwright test"'));
    });
    const ours = { yaml: read(dir, 'ops/stack.yml'), json: read(dir, 'package.json') };
    const { byPath } = upgrade(dir, [], one, two);
    expect(byPath['ops/stack.yml']?.action).toBe('merged');
    expect(byPath['ops/stack.yml']?.content?.toString()).toBe(ours.yaml.replace('restart: unless-stopped', 'restart: always'));
    expect(byPath['package.json']?.action).toBe('merged');
    expect(byPath['package.json']?.content?.toString()).toBe(ours.json.replace('"typescript": "5.8.3"', '"typescript": "5.9.3"'));
  });

  it('a CRLF file is merged in CRLF, its trailing whitespace kept; an untouched CRLF file is updated in CRLF (case 17)', () => {
    const dir = repoMadeBy(one, 'crlf', (d) => {
      writeFileSync(path.join(d, 'README.md'), crlf(`${read(d, 'README.md')}Team line.   \n`));
      writeFileSync(path.join(d, 'docs/setup.md'), crlf(read(d, 'docs/setup.md')));
    });
    const { byPath } = upgrade(dir, [], one, two);
    expect(byPath['README.md']?.action).toBe('merged');
    expect(byPath['README.md']?.content?.toString()).toBe(crlf(`${readme('Details, improved.')}Team line.   \n`));
    expect(byPath['docs/setup.md']).toMatchObject({ action: 'updated', content: Buffer.from('Step one.\r\nStep two, faster.\r\n') });
  });

  it('files git ignores (.env, *.local.*) are never touched, even when the release renders them (case 10)', () => {
    const local = { '.env': 'A_LOCAL_FILE=ours\n', 'config.local.json': '{ "ours": true }\n', 'services/api/.env.test': 'KEY=ours\n' };
    const dir = repoMadeBy(one, 'ignored', (d) => {
      writeFileSync(path.join(d, '.gitignore'), '.env\n.env.*\n*.local.*\n');
      for (const [file, content] of Object.entries(local)) {
        mkdirSync(path.dirname(path.join(d, file)), { recursive: true });
        writeFileSync(path.join(d, file), content);
      }
    });
    const { plan, byPath } = upgrade(dir, [], one, two);
    expect(byPath['.env']).toMatchObject({ action: 'kept', reason: 'ignored by git, a local file: never touched' });
    expect(byPath['config.local.json']).toMatchObject({ action: 'kept', reason: 'ignored by git, a local file: never touched' });
    expect(byPath['config.local.json']?.content).toBeUndefined();
    expect(byPath['services/api/.env.test']).toBeUndefined();
    applyPlan(dir, plan.files);
    for (const [file, content] of Object.entries(local)) expect(read(dir, file)).toBe(content);
  });
});

describe('upgrade on fixture releases: lines the team removed, rules whose order matters', () => {
  const owners = (rules: string) => `# Generated block: one rule per service.\n${rules}# End of the generated block.\n`;
  const one = fixtureRelease('1.0.0', () => ({
    'CODEOWNERS': owners('/services/api/ @acme/api\n'),
    'ops/gateway.conf': 'server {\n  listen 8080;\n  location /api/ {\n    proxy_pass http://api;\n  }\n}\n',
  }));
  const two = fixtureRelease('2.0.0', () => ({
    'CODEOWNERS': owners('/services/api/ @acme/api\n/ops/ @acme/platform\n'),
    'ops/gateway.conf': 'server {\n  listen 8080;\n  location /api/ {\n    proxy_pass http://api;\n    proxy_read_timeout 30s;\n  }\n}\n',
  }));

  it('a release change to lines the team removed is a conflict naming the file, never a silent no-op (case 15)', () => {
    const dir = repoMadeBy(one, 'removed-lines', (d) =>
      writeFileSync(path.join(d, 'ops/gateway.conf'), read(d, 'ops/gateway.conf').replace('  location /api/ {\n    proxy_pass http://api;\n  }\n', '')),
    );
    const { byPath } = upgrade(dir, [], one, two);
    expect(byPath['ops/gateway.conf']?.action).toBe('conflict');
    expect(byPath['ops/gateway.conf']?.content?.toString()).toContain('proxy_read_timeout 30s;');
  });

  it('a catch-all the team put after the generated CODEOWNERS block stays last, so it still wins (case 18)', () => {
    const dir = repoMadeBy(one, 'codeowners', (d) => append(d, 'CODEOWNERS', '* @acme/leads\n'));
    const { byPath } = upgrade(dir, [], one, two);
    expect(byPath['CODEOWNERS']?.action).toBe('merged');
    expect(byPath['CODEOWNERS']?.content?.toString()).toBe(`${owners('/services/api/ @acme/api\n/ops/ @acme/platform\n')}* @acme/leads\n`);
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

describe('drift: the files that differ from a fresh render of the recorded release (case 19)', () => {
  it('lists edited and deleted generated files; not the team\'s own files, not a file only in other line endings', () => {
    const dir = repoMadeBy(v1, 'drift', (d) => {
      append(d, 'README.md', 'Team line.\n');
      unlinkSync(path.join(d, 'docs/runbooks/unwanted.md'));
      writeFileSync(path.join(d, 'ops/alerts.yml'), read(d, 'ops/alerts.yml').replace(/\n/g, '\r\n'));
      writeFileSync(path.join(d, 'NOTES.md'), 'Our own file.\n');
    });
    expect(driftOf(findRepository(dir), v1)).toEqual([
      { path: 'README.md', change: 'edited' },
      { path: 'docs/runbooks/unwanted.md', change: 'deleted' },
    ]);
  });

  it('none in a repository as it was made; a base that is not the one that made it is refused, not compared', () => {
    expect(driftOf(findRepository(repoMadeBy(v1, 'no-drift')), v1)).toEqual([]);
    expect(() => driftOf(findRepository(repoMadeBy(v1, 'other-base')), v2)).toThrow(/does not render the answers/);
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
