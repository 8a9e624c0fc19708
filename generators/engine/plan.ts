import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mergeFile, sameBytes, type FileOutcome } from './merge-file.js';
import type { RenderedRepo } from './render.js';

export interface FilePlan extends FileOutcome {
  /** POSIX path from the repository root. */
  path: string;
  /** The team's bytes before the change, for diffs and for putting them back if writing fails. */
  ours?: Buffer;
}

/**
 * Every file either render has, with what happens to it. Files neither render has (the team's own
 * files, ignored local files such as `.env`) are never read or touched.
 */
export function planMerge(root: string, base: RenderedRepo, theirs: RenderedRepo): FilePlan[] {
  const paths = [...new Set([...base.keys(), ...theirs.keys()])].sort();
  return paths.map((file) => {
    const ours = readOurs(root, file);
    if (ours === 'not-a-file') {
      const changed = !sameBytes(base.get(file), theirs.get(file));
      return { path: file, action: changed ? 'kept' : 'unchanged', reason: 'not a regular file here (a folder or a link): left alone' };
    }
    return { path: file, ours, ...mergeFile({ path: file, ours, base: base.get(file), theirs: theirs.get(file) }) };
  });
}

function readOurs(root: string, file: string): Buffer | undefined | 'not-a-file' {
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
