import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LineEnding, lineEndingOf, withLineEnding } from './line-endings.js';

/**
 * What happens to one file, by the rule of ../shared/upgrade-scenarios.md:
 * - created: the templates add it and the team has none;
 * - updated: the team never touched it (ours == base), so it becomes theirs;
 * - removed: the team never touched it and the templates no longer render it;
 * - merged: both changed it, and `git merge-file` put both changes together;
 * - conflict: both changed the same lines; the file gets standard conflict markers;
 * - kept: the team's file stays as it is although the templates changed it (reported with `reason`);
 * - unchanged: nothing to do.
 */
export type FileAction = 'created' | 'updated' | 'removed' | 'merged' | 'conflict' | 'kept' | 'unchanged';

export interface FileOutcome {
  action: FileAction;
  /** The file's new bytes (created, updated, merged, conflict); undefined when it is removed or left alone. */
  content?: Buffer;
  /** Why a file was kept although the templates changed it. */
  reason?: string;
}

export interface FileVersions {
  path: string;
  /** The team's file in the working tree. */
  ours?: Buffer;
  /** As the recorded answers and template version render it. */
  base?: Buffer;
  /** As the new answers (or templates) render it. */
  theirs?: Buffer;
}

/** Files a package manager rewrites: never merged line by line; its install brings them up to date. */
const LOCKFILES = new Set(['package-lock.json', 'pnpm-lock.yaml']);

export const CONFLICT_LABELS = { ours: 'yours', base: 'base', theirs: 'startup-backend' } as const;

export function mergeFile({ path: file, ours, base, theirs }: FileVersions): FileOutcome {
  if (ours === undefined) {
    if (base !== undefined) {
      const changed = theirs !== undefined && !theirs.equals(base);
      return changed ? { action: 'kept', reason: 'you deleted it; it stays deleted' } : { action: 'unchanged' };
    }
    return theirs === undefined ? { action: 'unchanged' } : { action: 'created', content: theirs };
  }
  // Binary files are compared as bytes and never merged; text is compared in the team's line endings.
  const binary = [ours, base, theirs].some((buffer) => buffer !== undefined && isBinary(buffer));
  const ending = binary ? undefined : lineEndingOf(ours.toString('utf8'));
  const inOurEndings = (rendered: Buffer | undefined) => (rendered === undefined || ending === undefined ? rendered : withEnding(rendered, ending));
  const [baseText, theirsText] = [inOurEndings(base), inOurEndings(theirs)];

  if (sameBytes(baseText, theirsText) || sameBytes(ours, theirsText)) return { action: 'unchanged' };
  if (sameBytes(ours, baseText)) {
    return theirsText === undefined ? { action: 'removed' } : { action: 'updated', content: theirsText };
  }
  if (theirsText === undefined) return { action: 'kept', reason: 'the templates no longer render it, but you edited it' };
  if (binary) return { action: 'kept', reason: 'a binary file you changed: never merged' };
  if (LOCKFILES.has(path.posix.basename(file))) {
    return { action: 'kept', reason: 'you changed it; the install after this brings it up to date' };
  }
  const merged = gitMergeFile(ours, baseText ?? Buffer.alloc(0), theirsText);
  return { action: merged.conflicts ? 'conflict' : 'merged', content: merged.content };
}

/** `rendered` in the line endings of the team's `ours`, unless either is binary (compared as bytes). */
export function inLineEndingsOf(ours: Buffer, rendered: Buffer): Buffer {
  if (isBinary(ours) || isBinary(rendered)) return rendered;
  return withEnding(rendered, lineEndingOf(ours.toString('utf8')));
}

const withEnding = (text: Buffer, ending: LineEnding): Buffer => Buffer.from(withLineEnding(text.toString('utf8'), ending));

/** Both missing, or the same bytes. */
export function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}

/** Git's own test: a NUL byte in the first 8000 bytes. */
function isBinary(buffer: Buffer): boolean {
  return buffer.subarray(0, 8000).includes(0);
}

/**
 * `git merge-file`: git's diff3 (with its heuristics), standard markers, and the number of conflicts as
 * its exit status. It only reads files, so the three versions go to a scratch directory, not the repo.
 */
export function gitMergeFile(ours: Buffer, base: Buffer, theirs: Buffer): { content: Buffer; conflicts: number } {
  const scratch = mkdtempSync(path.join(tmpdir(), 'startup-backend-merge-'));
  try {
    const files = { ours, base, theirs };
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(scratch, name), content);
    const args = ['merge-file', '-p', '-L', CONFLICT_LABELS.ours, '-L', CONFLICT_LABELS.base, '-L', CONFLICT_LABELS.theirs, 'ours', 'base', 'theirs'];
    try {
      return { content: execFileSync('git', args, { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }), conflicts: 0 };
    } catch (error) {
      const { status, stdout, stderr } = error as { status: number | null; stdout?: Buffer; stderr?: Buffer };
      // 1..127: that many conflicts (capped); anything else is git failing.
      if (status !== null && status > 0 && status < 128 && stdout) return { content: stdout, conflicts: status };
      throw new Error(`git merge-file failed: ${stderr?.toString().trim() || (error as Error).message}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
