import { inLineEndingsOf } from './merge-file.js';
import { readOurs } from './plan.js';
import type { RenderedRepo } from './render.js';

export interface DriftedFile {
  /** POSIX path from the repository root. */
  path: string;
  change: 'edited' | 'deleted' | 'not a regular file';
}

/**
 * The files that differ from a fresh render of the recorded release and answers (case 19): what an
 * upgrade will have to merge. A file in other line endings than the templates' (a Windows checkout)
 * has not drifted; the team's own files, which no release renders, are not looked at.
 */
export function driftFrom(root: string, rendered: RenderedRepo): DriftedFile[] {
  const drifted: DriftedFile[] = [];
  for (const [file, bytes] of [...rendered].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ours = readOurs(root, file);
    if (ours === undefined) drifted.push({ path: file, change: 'deleted' });
    else if (ours === 'not-a-file') drifted.push({ path: file, change: 'not a regular file' });
    else if (!ours.equals(inLineEndingsOf(ours, bytes))) drifted.push({ path: file, change: 'edited' });
  }
  return drifted;
}
