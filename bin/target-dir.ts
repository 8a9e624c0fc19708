import {
  accessSync, constants, lstatSync, readdirSync, readlinkSync, realpathSync, rmdirSync, rmSync, statfsSync, statSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { UserInputError } from '../generators/shared/choices.js';
import { validateProjectName } from '../generators/shared/names.js';

/** `\` separates folders only on Windows; elsewhere it is part of a name (and then refused, not split). */
const SEPARATORS = process.platform === 'win32' ? /[\\/]/ : /\//;
const TRAILING_SEPARATORS = process.platform === 'win32' ? /[\\/]+$/ : /\/+$/;

/** Trims spaces and trailing slashes, nothing else: what the user typed is never rewritten. */
export function formatTargetDir(input: string | undefined): string {
  return (input ?? '').trim().replace(TRAILING_SEPARATORS, '');
}

/** `.` (or `./`) is the current directory, as in create-vite. */
export function isCurrentDir(targetDir: string): boolean {
  return targetDir === '.';
}

/**
 * The last path segment, taken literally: `..` stays `..` (and is then rejected as a name);
 * `.` is the current directory's name.
 */
export function projectNameOf(targetDir: string, cwd = process.cwd()): string {
  if (isCurrentDir(targetDir)) return path.basename(cwd);
  return targetDir.split(SEPARATORS).pop() ?? '';
}

/** Why the target's project name is refused, with the fix; undefined if it is valid. */
export function projectNameProblem(targetDir: string, cwd = process.cwd()): string | undefined {
  const name = projectNameOf(targetDir, cwd);
  if (process.platform !== 'win32' && name.includes('\\')) {
    const asPath = targetDir.replace(/\\/g, '/');
    return `Invalid project name "${name}": "\\" is not a folder separator here. Use "/" for a path (${asPath}), or a name like "${name.replace(/\\+/g, '-')}".`;
  }
  const problem = validateProjectName(name);
  if (!problem || !isCurrentDir(targetDir)) return problem;
  return problem.replace(`"${name}"`, `"${name}" (the name of the current directory, from ".")`);
}

export function withProjectName(targetDir: string, name: string): string {
  if (isCurrentDir(targetDir)) return name;
  const parent = targetDir.includes('/') ? targetDir.slice(0, targetDir.lastIndexOf('/')) : '';
  return parent ? `${parent}/${name}` : name;
}

/** What exists at the target before we write, so a failure can remove exactly what we added. */
export interface TargetState {
  root: string;
  existed: boolean;
  entries: string[];
  /** Folders above root that do not exist yet and that this run creates, the nearest first. */
  createdParents: string[];
}

/**
 * Refuses, before anything is written, every target that is not an (empty) directory or a path
 * that can be created on a real file system: files, symbolic links (dangling or not), FIFOs,
 * devices, sockets, /proc and /sys, unwritable parents.
 */
export function inspectTarget(targetDir: string, cwd = process.cwd()): TargetState {
  const root = path.resolve(cwd, targetDir);
  const here = lstatOrUndefined(root);
  if (here) {
    if (!here.isDirectory()) throw new UserInputError(`${targetDir} ${notADirectory(root, here)}. Pick another directory.`);
    assertOnDisk(root, targetDir);
    const entries = readdirSync(root);
    if (entries.some((entry) => entry !== '.git')) {
      throw new UserInputError(
        `Target directory ${targetDir} is not empty. Pick another directory, or empty it first.`,
      );
    }
    assertWritable(root, targetDir);
    return { root, existed: true, entries, createdParents: [] };
  }
  // The nearest entry that exists; path.dirname('/') is '/', which always exists.
  const createdParents: string[] = [];
  let ancestor = path.dirname(root);
  while (!lstatOrUndefined(ancestor) && path.dirname(ancestor) !== ancestor) {
    createdParents.push(ancestor);
    ancestor = path.dirname(ancestor);
  }
  const ancestorStat = statOrUndefined(ancestor);
  if (!ancestorStat?.isDirectory()) {
    const problem = ancestorStat ? 'is not a directory' : notADirectory(ancestor, lstatSync(ancestor));
    throw new UserInputError(`Cannot create ${targetDir}: ${ancestor} ${problem}. Pick another path.`);
  }
  assertOnDisk(ancestor, targetDir);
  assertWritable(ancestor, targetDir);
  return { root, existed: false, entries: [], createdParents };
}

/** What an entry that is not a directory is, for the message. */
function notADirectory(p: string, stats: Stats): string {
  if (stats.isSymbolicLink()) {
    const to = readlinkSync(p);
    return statOrUndefined(p)
      ? `is a symbolic link (to ${to}), not a directory`
      : `is a dangling symbolic link (to ${to}, which does not exist)`;
  }
  if (stats.isFIFO()) return 'exists and is a named pipe (FIFO)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'exists and is a device';
  if (stats.isSocket()) return 'exists and is a socket';
  return 'exists and is a file';
}

/** Kernel file systems: writing there does nothing useful, or loops (as /proc did). */
const KERNEL_FS_ROOTS = ['/proc', '/sys'];
const KERNEL_FS_MAGIC = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
]);

function assertOnDisk(dir: string, targetDir: string): void {
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // Checked as given.
  }
  const kernelRoot = KERNEL_FS_ROOTS.find((r) => real === r || real.startsWith(`${r}/`));
  let kernelFs = kernelRoot !== undefined;
  if (!kernelFs && process.platform === 'linux') {
    try {
      kernelFs = KERNEL_FS_MAGIC.has(statfsSync(real).type);
    } catch {
      // No statfs: the path check above is all we have.
    }
  }
  if (kernelFs) {
    throw new UserInputError(
      `Cannot create ${targetDir}: ${kernelRoot ?? real} is a kernel file system, not a place for files. Pick a directory on disk.`,
    );
  }
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

/**
 * Removes what this run added: the whole directory if we created it, else only the new entries;
 * then the parent folders this run created, as long as nothing else was put in them.
 */
export function removeCreated(target: TargetState): void {
  const remove = (p: string) => rmSync(p, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  if (!target.existed) {
    remove(target.root);
  } else {
    const keep = new Set(target.entries);
    for (const entry of readdirSync(target.root)) {
      if (!keep.has(entry)) remove(path.join(target.root, entry));
    }
  }
  for (const dir of target.createdParents) {
    try {
      rmdirSync(dir);
    } catch (error) {
      // Not empty: something else was put there since, so it and its parents stay.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
  }
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
