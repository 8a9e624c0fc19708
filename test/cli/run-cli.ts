import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const CREATE_BIN = fileURLToPath(new URL('../../bin/create-startup-backend.js', import.meta.url));
export const STARTUP_BACKEND_BIN = fileURLToPath(new URL('../../bin/startup-backend.js', import.meta.url));

/** No run of the CLI may hang a test: one that does is killed and fails. */
export const CLI_TIMEOUT_MS = 60_000;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would: a separate node process, no TTY. */
export function runCreate(args: string[], options: CliOptions): CliResult {
  return runBin(CREATE_BIN, args, options);
}

/** The `startup-backend` bin (add service, ...), run the same way. */
export function runStartupBackend(args: string[], options: CliOptions): CliResult {
  return runBin(STARTUP_BACKEND_BIN, args, options);
}

interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Runs the CLI under another command, e.g. setpriv to drop root. */
  prefix?: string[];
}

function runBin(bin: string, args: string[], options: CliOptions): CliResult {
  const [command, ...commandArgs] = [...(options.prefix ?? []), process.execPath, bin, ...args];
  const result = spawnSync(command!, commandArgs, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: CLI_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A refusal of a command run in a git repository: exit 1, one line on stderr, the working tree untouched. */
export function expectRefusedInRepo(dir: string, result: CliResult, message: RegExp): void {
  expect(result.status).toBe(1);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  const status = spawnSync('git', ['-c', 'safe.directory=*', 'status', '--porcelain', '--untracked-files=all'], { cwd: dir, encoding: 'utf8' });
  expect(status.stdout).toBe('');
}

export function tempDir(prefix = 'csb-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

/**
 * Puts shell scripts first on PATH (a fake `npm`, `pnpm` or `git`); returns the env that does it.
 * `REAL_<NAME>` in the env is the real command, for a fake that wraps it.
 */
export function fakeCommands(scripts: Record<string, string>): NodeJS.ProcessEnv {
  const dir = tempDir('csb-bin-');
  const env: NodeJS.ProcessEnv = { PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}` };
  for (const [name, body] of Object.entries(scripts)) {
    const real = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (real) env[`REAL_${name.toUpperCase()}`] = real;
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return env;
}
