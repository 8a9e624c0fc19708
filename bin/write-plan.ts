import pc from 'picocolors';
import { applyPlan } from '../generators/engine/apply.js';
import { unifiedDiff } from '../generators/engine/diff.js';
import { changesFiles, type FilePlan } from '../generators/engine/plan.js';
import type { PackageManager } from '../generators/shared/package-managers.js';
import { writeLocalEnvFiles } from '../generators/workspace/local-env.js';
import { installCommand } from './package-manager.js';

/** What `add service` and `upgrade` do with a plan the engine made: print it, then write it or not. */
export interface WriteOptions {
  dryRun: boolean;
  install: boolean;
  packageManager: PackageManager;
  /** Exit code when files are left with conflicts, and where to read what to do. */
  conflictExitCode: number;
  conflictHint: string;
  /** Runs after the files are written, before the install (upgrade records its conflicts in git's index). */
  afterWrite?: (conflicts: readonly FilePlan[]) => void;
}

/** Returns whether the plan was written without conflicts (and installed when asked). */
export async function writePlan(root: string, files: readonly FilePlan[], options: WriteOptions): Promise<boolean> {
  printPlan(files);
  if (options.dryRun) {
    process.stdout.write(`\n${unifiedDiff(files, { color: pc.isColorSupported })}\nDry run: nothing was written.\n`);
    return false;
  }
  applyAtOnce(root, files);
  // A conflicted .env.example is not read for keys (case 13): its markers are the team's to resolve first.
  const rendered = files.filter((file) => changesFiles(file) && file.content && file.action !== 'conflict');
  const env = writeLocalEnvFiles(root, rendered.map((file) => file.path));
  for (const { file, keys } of env.appended) process.stdout.write(`${pc.cyan('ENV')}      ${file}: added ${keys.join(', ')}\n`);

  const conflicts = files.filter((file) => file.action === 'conflict');
  options.afterWrite?.(conflicts);
  if (conflicts.length > 0) {
    const list = conflicts.map((file) => file.path).join(', ');
    process.stderr.write(
      `\n${pc.red('error')} ${conflicts.length} file${conflicts.length > 1 ? 's have' : ' has'} conflicts (${list}): resolve the <<<<<<< markers, then run ${installCommand(options.packageManager)}. ${options.conflictHint}\n`,
    );
    process.exitCode = options.conflictExitCode;
    return false;
  }
  if (options.install) {
    const { InstallFailedError, installDependencies } = await import('./tasks.js');
    try {
      await installDependencies(root, options.packageManager, new AbortController().signal);
    } catch (error) {
      if (!(error instanceof InstallFailedError)) throw error;
      process.stderr.write(`${pc.red('error')} ${error.message}. The files are written: fix the error above, then run ${installCommand(options.packageManager)}.\n`);
      process.exitCode = 1;
      return false;
    }
  }
  return true;
}

const LABELS: Record<FilePlan['action'], string> = {
  created: pc.green('CREATE  '),
  updated: pc.blue('UPDATE  '),
  removed: pc.red('DELETE  '),
  merged: pc.magenta('MERGE   '),
  conflict: pc.red('CONFLICT'),
  kept: pc.yellow('KEEP    '),
  unchanged: '',
};

function printPlan(files: readonly FilePlan[]): void {
  for (const file of files) {
    if (file.action === 'unchanged') continue;
    process.stdout.write(`${LABELS[file.action]} ${file.path}${file.reason ? ` (${file.reason})` : ''}\n`);
  }
}

/** SIGINT and SIGTERM wait for the write to finish (it is synchronous and short) instead of cutting it. */
function applyAtOnce(root: string, files: readonly FilePlan[]): void {
  let received: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals) => (received = signal);
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  try {
    applyPlan(root, files);
  } finally {
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
  }
  if (received) process.kill(process.pid, received);
}
