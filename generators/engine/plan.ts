import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ignoredByGit } from './git-ignored.js';
import { mergeFile, sameBytes, type FileOutcome } from './merge-file.js';
import type { FileMove } from './migrations/index.js';
import type { RenderedRepo } from './render.js';

export interface FilePlan extends FileOutcome {
  /** POSIX path from the repository root. */
  path: string;
  /** The team's bytes before the change, for diffs and for putting them back if writing fails. */
  ours?: Buffer;
  /** A conflict's three sides, for git's index (stages 1, 2 and 3), as after a `git merge`. */
  sides?: { base?: Buffer; ours?: Buffer; theirs?: Buffer };
}

/**
 * Every file either render has, with what happens to it. Files neither render has (the team's own
 * files) and files git ignores (local files such as `.env`) are never read or touched. A file a release moved
 * (`moves`, from upgrade's migrations) is merged at its new path from the team's file at the old one,
 * against the old base, and the old path goes.
 */
export function planMerge(root: string, base: RenderedRepo, theirs: RenderedRepo, moves: readonly FileMove[] = []): FilePlan[] {
  const movedBase = new Map(base);
  // A moved file's new path: the team's bytes at its old path, merged there.
  const mergedFrom = new Map<string, { from: string; ours: Buffer }>();
  const plans: FilePlan[] = [];
  for (const { from, to } of moves) {
    const ours = readOurs(root, from);
    const baseBytes = base.get(from);
    if (!(ours instanceof Buffer) || baseBytes === undefined || readOurs(root, to) !== undefined || theirs.has(from)) continue;
    movedBase.delete(from);
    movedBase.set(to, baseBytes);
    mergedFrom.set(to, { from, ours });
    plans.push({ path: from, ours, action: 'removed', reason: `moved to ${to}` });
  }
  const paths = [...new Set([...movedBase.keys(), ...theirs.keys()])].sort();
  const ignored = ignoredByGit(root, paths);
  const leftAlone = (file: string, reason: string): FilePlan => ({ path: file, action: sameBytes(movedBase.get(file), theirs.get(file)) ? 'unchanged' : 'kept', reason });
  for (const file of paths) {
    if (ignored.has(file)) {
      plans.push(leftAlone(file, 'ignored by git, a local file: never touched'));
      continue;
    }
    const onDisk = mergedFrom.has(file) ? undefined : readOurs(root, file);
    if (onDisk === 'not-a-file') {
      plans.push(leftAlone(file, 'not a regular file here (a folder or a link): left alone'));
      continue;
    }
    // `ours` is what the working tree holds (put back if writing fails); the merge takes a moved file's bytes.
    const moved = mergedFrom.get(file);
    const versions = { path: file, ours: moved?.ours ?? onDisk, base: movedBase.get(file), theirs: theirs.get(file) };
    const merged = mergeFile(versions);
    // The team's bytes kept at a moved file's new path still have to be written there.
    const outcome = moved && merged.content === undefined && merged.action !== 'removed' ? { action: 'created' as const, content: moved.ours } : merged;
    const reason = moved ? { reason: `your ${moved.from}, moved here` } : {};
    const sides = outcome.action === 'conflict' ? { sides: { base: versions.base, ours: versions.ours, theirs: versions.theirs } } : {};
    plans.push({ path: file, ours: onDisk, ...outcome, ...reason, ...sides });
  }
  return plans.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The team's file at `file`: undefined when there is none, 'not-a-file' for a folder or a link. */
export function readOurs(root: string, file: string): Buffer | undefined | 'not-a-file' {
  const full = path.join(root, ...file.split('/'));
  let stats;
  try {
    stats = lstatSync(full);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
  // A link is never followed: writing through it could change a file outside the repository.
  return stats.isFile() ? readFileSync(full) : 'not-a-file';
}

export const changesFiles = (plan: FilePlan) => plan.content !== undefined || plan.action === 'removed';
