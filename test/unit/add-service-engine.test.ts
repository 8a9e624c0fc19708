import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planAddService } from '../../generators/engine/add-service.js';
import { applyPlan } from '../../generators/engine/apply.js';
import { findRepository } from '../../generators/engine/repository.js';
import { allCombinations } from '../../generators/lockfile/pool-manifest.js';
import { PACKAGE_MANAGERS } from '../../generators/shared/package-managers.js';
import { answersFor, renderToDisk, testScaffolderIntegrity } from './fixtures.js';

/**
 * The engine in-process: on a repo nobody edited, adding a service by the 3-way merge gives exactly the
 * repo `create` renders with both services, for every combination and package manager; and a write that
 * fails halfway leaves every file as it was.
 */
const work = mkdtempSync(path.join(tmpdir(), 'csb-engine-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file but the local secrets (.env), path to bytes. */
function snapshot(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== '.env')
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
  return new Map(files.map((file) => [file, readFileSync(path.join(dir, file), 'latin1')]));
}

const cases = allCombinations().flatMap((choices) => PACKAGE_MANAGERS.map((packageManager) => ({ ...choices, packageManager })));

describe('add service on an untouched repo', () => {
  it.each(cases.map((c) => [`${c.rpc}-${c.discovery}-${c.db}-${c.ci}-${c.packageManager}`, c] as const))(
    '%s: the merge gives byte for byte the repo rendered with both services',
    (label, { packageManager, ...choices }) => {
      const grown = renderToDisk(path.join(work, `${label}-grown`), { ...answersFor(choices, ['orders']), packageManager });
      const { files } = planAddService(findRepository(grown), { name: 'ledger' }, { scaffolderIntegrity: testScaffolderIntegrity() });
      expect(files.filter((file) => ['merged', 'conflict', 'kept'].includes(file.action)).map((file) => file.path)).toEqual([]);
      applyPlan(grown, files);
      const direct = renderToDisk(path.join(work, `${label}-direct`), { ...answersFor(choices, ['orders', 'ledger']), packageManager });
      expect(snapshot(grown)).toEqual(snapshot(direct));
    },
  );
});

describe('a write that fails halfway', () => {
  it('puts back every file it changed, removes what it created, and names the file', () => {
    const repo = renderToDisk(path.join(work, 'halfway'), answersFor({}, ['orders']));
    const before = snapshot(repo);
    const { files } = planAddService(findRepository(repo), { name: 'ledger' });
    // A file where the new service's folder must go: creating services/ledger/ fails after other files were staged.
    writeFileSync(path.join(repo, 'services', 'ledger'), 'in the way\n');
    expect(() => applyPlan(repo, files)).toThrow(/^Could not write services\/ledger\/.* nothing was changed/);
    rmSync(path.join(repo, 'services', 'ledger'));
    expect(snapshot(repo)).toEqual(before);
  });

  it('also when the renames have begun: the files already renamed into place get the team\'s bytes back', () => {
    const repo = renderToDisk(path.join(work, 'renaming'), answersFor({}, ['orders']));
    const before = snapshot(repo);
    const { files } = planAddService(findRepository(repo), { name: 'ledger' });
    // Renamed in path order: README.md, docker-compose.yml and the others before it are in place when
    // renaming onto this folder fails.
    mkdirSync(path.join(repo, 'services/ledger/src/main.ts/blocker'), { recursive: true });
    expect(() => applyPlan(repo, files)).toThrow(/^Could not write services\/ledger\/src\/main\.ts \([A-Z]+: [^)]*rename[^)]*\): nothing was changed/);
    rmSync(path.join(repo, 'services', 'ledger'), { recursive: true });
    expect(snapshot(repo)).toEqual(before);
  });
});
