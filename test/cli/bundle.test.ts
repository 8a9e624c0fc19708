import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allCombinations } from '../../generators/lockfile/pool-manifest.js';
import { answersFor, renderToDisk } from '../unit/fixtures.js';
import { runCreate, tempDir } from './run-cli.js';

/**
 * The CLI runs a bundle (bin/bundle.mjs) that carries the few nx modules the generators use, so that
 * `npm create` installs neither nx nor @nx/devkit. It renders exactly what the generators render
 * unbundled, for every combination; and it loads no nx package at run time.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE_FILES = ['dist/create-startup-backend.js', 'dist/startup-backend.js', ...readdirSync(path.join(ROOT, 'dist/chunks')).map((chunk) => `dist/chunks/${chunk}`)];

function files(dir: string): Map<string, string> {
  const all = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return new Map(
    all
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
      // .env holds fresh random secrets on every run.
      .filter((file) => path.basename(file) !== '.env')
      .sort()
      .map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]),
  );
}

describe('the bundled CLIs', () => {
  it('imports no nx package at run time, and the package does not depend on one', () => {
    const bundle = BUNDLE_FILES.map((file) => readFileSync(path.join(ROOT, file), 'utf8')).join('\n');
    expect(bundle).not.toMatch(/(?:from\s*|require\()\s*["'](?:nx|@nx\/[\w-]+)(?:\/[^"']*)?["']/);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain('nx');
    expect(Object.keys(manifest.dependencies)).not.toContain('@nx/devkit');
    for (const licence of ['nx', 'nx-devkit', 'tslib']) expect(readFileSync(path.join(ROOT, 'dist/licenses', `${licence}.txt`), 'utf8')).toMatch(/\S/);
  });

  it.each(allCombinations().map((c) => [`${c.rpc}-${c.discovery}-${c.db}-${c.ci}`, c] as const))(
    '%s: renders byte for byte what the unbundled generators render',
    (_label, choices) => {
      const cwd = tempDir('csb-bundle-');
      const created = runCreate(
        ['app', '--yes', '--no-install', '--no-git', '--rpc', choices.rpc, '--discovery', choices.discovery, '--db', choices.db, '--ci', choices.ci, '--service', 'order-book'],
        { cwd },
      );
      expect(created.status, created.stderr).toBe(0);
      const unbundled = renderToDisk(path.join(tempDir('csb-unbundled-'), 'app'), {
        ...answersFor(choices, ['order-book']), projectName: 'app', packageManager: 'npm',
      });
      expect(files(path.join(cwd, 'app'))).toEqual(files(unbundled));
    },
  );
});
