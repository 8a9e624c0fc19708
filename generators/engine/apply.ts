import { existsSync, mkdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { changesFiles, type FilePlan } from './plan.js';

export class WriteFailedError extends Error {
  override name = 'WriteFailedError';
}

/**
 * Writes a plan in one step. Every new file is first written beside its target (that is where a full
 * disk or a permission problem shows), then all are renamed into place; if anything fails, the files
 * already changed get the team's bytes back and the staged ones are removed, so the working tree is
 * as before. It runs synchronously: a Ctrl-C is handled after it, never halfway.
 */
export function applyPlan(root: string, plans: readonly FilePlan[]): void {
  const changes = plans.filter(changesFiles);
  const staged: Array<{ plan: FilePlan; target: string; temporary?: string }> = [];
  const createdDirs: string[] = [];
  const done: typeof staged = [];
  let current = '';
  try {
    for (const plan of changes) {
      current = plan.path;
      const target = path.join(root, ...plan.path.split('/'));
      if (plan.content === undefined) {
        staged.push({ plan, target });
        continue;
      }
      createdDirs.push(...makeParents(path.dirname(target)));
      const temporary = `${target}.startup-backend-${process.pid}.tmp`;
      writeFileSync(temporary, plan.content, { mode: modeOf(target) });
      staged.push({ plan, target, temporary });
    }
    for (const entry of staged) {
      current = entry.plan.path;
      if (entry.temporary) renameSync(entry.temporary, entry.target);
      else unlinkSync(entry.target);
      done.push(entry);
    }
  } catch (error) {
    for (const { plan, target } of done) {
      if (plan.ours === undefined) rmSync(target, { force: true });
      else writeFileSync(target, plan.ours);
    }
    for (const { temporary } of staged) if (temporary) rmSync(temporary, { force: true });
    for (const dir of createdDirs.reverse()) rmSync(dir, { recursive: true, force: true });
    throw new WriteFailedError(`Could not write ${current} (${(error as Error).message}): nothing was changed. Fix that (permissions, free space), then run again.`);
  }
}

/** An existing file keeps its mode (an executable script stays executable). */
function modeOf(target: string): number | undefined {
  try {
    return statSync(target).mode & 0o777;
  } catch {
    return undefined;
  }
}

/** Creates the missing folders above a file, returning them outermost first, for the rollback. */
function makeParents(dir: string): string[] {
  const missing: string[] = [];
  for (let current = dir; !existsSync(current); current = path.dirname(current)) missing.unshift(current);
  if (missing.length > 0) mkdirSync(dir, { recursive: true });
  return missing;
}
