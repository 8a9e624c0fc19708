// The Jenkins choice's README tells a team to run `npx npm-groovy-lint@<version> --noserver Jenkinsfile`: with the
// generated .groovylintrc.json, that command exits 0 on every generated Jenkinsfile (npm-groovy-lint fails on any
// finding, info included, unless told otherwise). Runs this repo's npm-groovy-lint (the same version, a
// devDependency) and needs Java; skipped without either, as the syntax check in jenkinsfile.test.ts is.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { CHOICES, type StackChoices } from '../../generators/shared/choices.js';
import { DEPENDENCY_VERSIONS } from '../../generators/shared/versions.js';
import { answersFor, emptyTree, renderedFiles, writeFiles } from './fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const groovyLint = process.env.NPM_GROOVY_LINT ?? path.join(root, 'node_modules', '.bin', 'npm-groovy-lint');
const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const available = (key: keyof StackChoices) => CHOICES.find((c) => c.key === key)!.available;

const work = mkdtempSync(path.join(tmpdir(), 'csb-groovy-lint-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function render(choices: Partial<StackChoices>, services: string[]): string {
  const tree = emptyTree();
  workspaceGenerator(tree, answersFor({ ...choices, ci: 'jenkins' }, services));
  return writeFiles(mkdtempSync(path.join(work, 'repo-')), renderedFiles(tree));
}

describe('npm-groovy-lint as the Jenkins README gives it', () => {
  const repo = render({}, ['api']);
  const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
  const command = `npx npm-groovy-lint@${DEPENDENCY_VERSIONS['npm-groovy-lint']} --noserver Jenkinsfile`;

  it('is the README command, with the rules the repo ships in .groovylintrc.json', () => {
    expect(readme).toContain(`\`${command}\``);
    const config = readFileSync(path.join(repo, '.groovylintrc.json'), 'utf8');
    expect(config).toMatch(/"extends": "recommended-jenkinsfile"/);
    // Only the Jenkins choice lints Groovy.
    const gitlab = emptyTree();
    workspaceGenerator(gitlab, answersFor({ ci: 'gitlab' }));
    expect(renderedFiles(gitlab).has('.groovylintrc.json')).toBe(false);
  });

  it.skipIf(!existsSync(groovyLint) || !hasJava)(
    'exits 0 on the Jenkinsfile of every registry, database and service set',
    () => {
      // One run over every Jenkinsfile (a JVM start is slow), from a folder holding the repo's config, as the
      // README's command runs from the repo root.
      const dir = mkdtempSync(path.join(work, 'all-'));
      copyFileSync(path.join(repo, '.groovylintrc.json'), path.join(dir, '.groovylintrc.json'));
      const serviceSets = [['api'], ['orders', 'billing-events', 'x'], ['a-thirty-character-service-nam']];
      const files = available('discovery').flatMap((discovery) =>
        available('db').flatMap((db) =>
          serviceSets.map((services, index) => {
            const file = path.join(`${discovery}-${db}-${index}`, 'Jenkinsfile');
            mkdirSync(path.join(dir, path.dirname(file)));
            const source = render({ discovery, db } as Partial<StackChoices>, services);
            writeFileSync(path.join(dir, file), readFileSync(path.join(source, 'Jenkinsfile')));
            return file;
          }),
        ),
      );
      const args = command.split(' ').slice(2, -1);
      const result = spawnSync(groovyLint, [...args, ...files], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/'Error'\s*│\s*0\s*│[\s\S]*'Warning'\s*│\s*0\s*│[\s\S]*'Info'\s*│\s*0\s*│/);
    },
    240_000,
  );
});
