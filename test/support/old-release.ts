import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * An older release of create-startup-backend as it was cut: a git worktree of the commit
 * docs/releases.json records for it (tags are not always fetched), installed and built by its own
 * `npm ci` (its `prepare`), ready to pack and publish. Remove it with `removeRelease` once published:
 * the exit hook is only a fallback, since a vitest worker can end without running it (the worktrees then
 * stay registered in the repository's git directory).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function checkoutRelease(version: string): string {
  const { releases } = JSON.parse(readFileSync(path.join(ROOT, 'docs/releases.json'), 'utf8')) as { releases: Array<{ version: string; commit: string }> };
  const release = releases.find((candidate) => candidate.version === version);
  if (!release) throw new Error(`no release ${version} in docs/releases.json`);
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), `csb-release-${version}-`)), 'create-startup-backend');
  run('git', ['worktree', 'add', '--detach', dir, release.commit], ROOT);
  process.once('exit', () => removeRelease(dir));
  try {
    run('npm', ['ci', '--no-audit', '--no-fund'], dir);
  } catch (error) {
    removeRelease(dir);
    throw error;
  }
  return dir;
}

/** Removes a checkout made by `checkoutRelease`: the worktree, its folder and its temp parent. */
export function removeRelease(dir: string): void {
  spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT });
  rmSync(path.dirname(dir), { recursive: true, force: true });
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}
