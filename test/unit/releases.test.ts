import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every release is a commit a test can find without tags (docs/releases.json), holding that version;
 * a template change since the last release comes with a new version and its CHANGELOG section.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });

interface Release {
  version: string;
  commit: string;
  date: string;
}
const { releases } = JSON.parse(read('docs/releases.json')) as { releases: Release[] };
const version = (JSON.parse(read('package.json')) as { version: string }).version;
const changelog = read('CHANGELOG.md');

describe('releases', () => {
  it.each(releases.map((release) => [release.version, release] as const))('%s: its commit is in history and holds that version', (_v, release) => {
    expect(release.commit).toMatch(/^[0-9a-f]{40}$/);
    const exists = git('cat-file', '-e', `${release.commit}^{commit}`);
    expect(exists.status, `commit ${release.commit} not in this clone: fetch the full history (git fetch --unshallow)`).toBe(0);
    const manifest = JSON.parse(execFileSync('git', ['show', `${release.commit}:package.json`], { cwd: ROOT, encoding: 'utf8' })) as { version: string };
    expect(manifest.version).toBe(release.version);
    expect(changelog).toMatch(new RegExp(`^## ${release.version.replaceAll('.', '\\.')} `, 'm'));
  });

  it('lists releases oldest first, each version once', () => {
    const versions = releases.map((release) => release.version);
    expect(new Set(versions).size).toBe(versions.length);
    const key = (v: string) => v.split('.').map((part) => part.padStart(6, '0')).join('.');
    expect([...versions].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(versions);
  });

  it('gives the working version its CHANGELOG section, and a new version once templates changed since the last release', () => {
    expect(changelog).toMatch(new RegExp(`^## ${version.replaceAll('.', '\\.')} `, 'm'));
    const last = releases[releases.length - 1]!;
    const changed = git('diff', '--quiet', last.commit, '--', 'templates', 'generators').status !== 0;
    if (changed) expect(version, `templates changed since ${last.version}: bump package.json's version`).not.toBe(last.version);
  });
});
