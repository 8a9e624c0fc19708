import { accessSync, constants, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserInputError } from '../generators/shared/choices.js';

/** As create-vite: trim, drop characters no file system takes, drop trailing slashes. */
export function formatTargetDir(input: string | undefined): string {
  return (input ?? '').trim().replace(/[<>:"|?*]/g, '').replace(/[\\/]+$/, '');
}

/** The last path segment, taken literally: `..` stays `..` (and is then rejected as a name). */
export function projectNameOf(targetDir: string): string {
  return targetDir.split(/[\\/]/).pop() ?? '';
}

export function withProjectName(targetDir: string, name: string): string {
  const parent = targetDir.includes('/') ? targetDir.slice(0, targetDir.lastIndexOf('/')) : '';
  return parent ? `${parent}/${name}` : name;
}

/** What exists at the target before we write, so a failure can remove exactly what we added. */
export interface TargetState {
  root: string;
  existed: boolean;
  entries: string[];
}

export function inspectTarget(targetDir: string, cwd = process.cwd()): TargetState {
  const root = path.resolve(cwd, targetDir);
  const stat = statOrUndefined(root);
  if (stat && !stat.isDirectory()) {
    throw new UserInputError(`${targetDir} exists and is a file. Pick another directory.`);
  }
  if (stat) {
    const entries = readdirSync(root);
    if (entries.some((entry) => entry !== '.git')) {
      throw new UserInputError(
        `Target directory ${targetDir} is not empty. Pick another directory, or empty it first.`,
      );
    }
    assertWritable(root, targetDir);
    return { root, existed: true, entries };
  }
  let ancestor = path.dirname(root);
  while (!statOrUndefined(ancestor)) ancestor = path.dirname(ancestor);
  if (!statOrUndefined(ancestor)?.isDirectory()) {
    throw new UserInputError(`Cannot create ${targetDir}: ${ancestor} is not a directory. Pick another path.`);
  }
  assertWritable(ancestor, targetDir);
  return { root, existed: false, entries: [] };
}

function assertWritable(dir: string, targetDir: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new UserInputError(
      `Cannot write to ${dir} (needed for ${targetDir}). Pick a directory you can write to, or fix its permissions.`,
    );
  }
}

/** Removes what this run added: the whole directory if we created it, else only the new entries. */
export function removeCreated(target: TargetState): void {
  if (!target.existed) {
    rmSync(target.root, { recursive: true, force: true });
    return;
  }
  const keep = new Set(target.entries);
  for (const entry of readdirSync(target.root)) {
    if (!keep.has(entry)) rmSync(path.join(target.root, entry), { recursive: true, force: true });
  }
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
