import { spawnSync } from 'node:child_process';

/**
 * The paths git ignores in the repository (`.env`, `*.local.*`, whatever the team's .gitignore names),
 * tracked files excepted: local files that a change must never write or delete (case 10), even when a
 * release renders a file of that name. Outside a git repository nothing counts as ignored.
 */
export function ignoredByGit(root: string, paths: readonly string[]): Set<string> {
  if (paths.length === 0) return new Set();
  const result = spawnSync('git', ['check-ignore', '--stdin', '-z'], { cwd: root, input: `${paths.join('\0')}\0`, encoding: 'utf8', maxBuffer: 1 << 26 });
  // 0: some are ignored, 1: none are, anything else: not a git repository (or no git).
  if (result.status !== 0) return new Set();
  return new Set(result.stdout.split('\0').filter(Boolean));
}
