import { execFileSync } from 'node:child_process';
import type { FilePlan } from './plan.js';

const NO_FILE = '0'.repeat(40);

/**
 * Records each conflicted file as unmerged in git's index, with the three sides as stages 1 (base),
 * 2 (the team's) and 3 (the templates'), as `git merge` leaves a conflict: `git status` lists it under
 * "Unmerged paths", editors offer their merge view, and `git add` marks it resolved. The working tree
 * already holds the file with its markers.
 */
export function recordConflictsInIndex(root: string, conflicts: readonly FilePlan[]): void {
  if (conflicts.length === 0) return;
  const blob = (content: Buffer) => execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: root, input: content }).toString().trim();
  const lines: string[] = [];
  for (const conflict of conflicts) {
    const mode = modeInIndex(root, conflict.path) ?? '100644';
    lines.push(`0 ${NO_FILE}\t${conflict.path}`);
    const { base, ours, theirs } = conflict.sides ?? {};
    const stages: Array<[number, Buffer | undefined]> = [[1, base], [2, ours], [3, theirs]];
    for (const [stage, content] of stages) if (content !== undefined) lines.push(`${mode} ${blob(content)} ${stage}\t${conflict.path}`);
  }
  execFileSync('git', ['update-index', '--index-info'], { cwd: root, input: `${lines.join('\n')}\n` });
}

function modeInIndex(root: string, file: string): string | undefined {
  const entry = execFileSync('git', ['ls-files', '--stage', '--', file], { cwd: root, encoding: 'utf8' }).trim();
  return entry ? entry.split(' ')[0] : undefined;
}
