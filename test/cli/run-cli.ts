import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CREATE_BIN = fileURLToPath(new URL('../../bin/create-startup-backend.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would: a separate node process, no TTY. */
export function runCreate(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; prefix?: string[] }): CliResult {
  // `prefix` runs the CLI under another command, e.g. setpriv to drop root.
  const [command, ...commandArgs] = [...(options.prefix ?? []), process.execPath, CREATE_BIN, ...args];
  const result = spawnSync(command!, commandArgs, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function tempDir(prefix = 'csb-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}
