import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_TIMEOUT_MS, CREATE_BIN, fakeCommands, listTree, tempDir } from './run-cli.js';

const GIT_IDENTITY = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

/**
 * Fakes that do the real work first (so the target holds the files and .git objects a real run
 * leaves at that point), then say they were reached and hang until they are killed.
 */
const HANG = (marker: string) => `: > "${marker}"; exec sleep 60`;
const fakes = {
  install: (marker: string) => fakeCommands({ npm: `if [ "$1" = install ]; then ${HANG(marker)}; fi; exec "$REAL_NPM" "$@"` }),
  add: (marker: string) => fakeCommands({ git: `if [ "$1" = add ]; then "$REAL_GIT" "$@"; ${HANG(marker)}; fi; exec "$REAL_GIT" "$@"` }),
  // npm's own children may outlive it and keep its output open; this one also ignores SIGTERM.
  orphan: (marker: string) =>
    fakeCommands({ npm: `(trap '' TERM INT; exec sleep 30) & echo $! > "${marker}.orphan"; ${HANG(marker)}` }),
  commit: (marker: string) => fakeCommands({ git: `if [ "$1" = commit ]; then "$REAL_GIT" add --all; ${HANG(marker)}; fi; exec "$REAL_GIT" "$@"` }),
};

interface Cancelled {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs a real create, waits until the fake is reached, then signals the CLI alone (as `kill` does)
 * or its whole process group (as Ctrl-C on a terminal does: git and npm get it too).
 */
async function cancelAt(point: keyof typeof fakes, signal: NodeJS.Signals, to: 'cli' | 'group', cwd: string, target: string): Promise<Cancelled> {
  const marker = path.join(tempDir('csb-marker-'), 'reached');
  const args = [CREATE_BIN, target, '--yes', ...(point === 'install' || point === 'orphan' ? [] : ['--no-install'])];
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...GIT_IDENTITY, ...fakes[point](marker) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exited = new Promise<Omit<Cancelled, 'stderr'>>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  const deadline = Date.now() + CLI_TIMEOUT_MS;
  try {
    while (!existsSync(marker)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${point} was never reached:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (to === 'group') process.kill(-child.pid!, signal);
    else child.kill(signal);
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
    const result = await exited;
    clearTimeout(timer);
    return { ...result, stderr };
  } finally {
    if (existsSync(`${marker}.orphan`)) process.kill(Number(readFileSync(`${marker}.orphan`, 'utf8')), 'SIGKILL');
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is gone: nothing was left running.
    }
  }
}

describe('create: Ctrl-C or SIGTERM while writing removes everything this run created', () => {
  const cases = (['install', 'add', 'commit'] as const).flatMap((point) =>
    (['SIGINT', 'SIGTERM'] as const).flatMap((signal) => (['cli', 'group'] as const).map((to) => [point, signal, to] as const)),
  );

  it.each(cases)('inside %s, %s to the %s', async (point, signal, to) => {
    const cwd = tempDir();
    const result = await cancelAt(point, signal, to, cwd, 'a/b/c/app');
    expect(result, result.stderr).toMatchObject({ code: signal === 'SIGINT' ? 130 : 143, signal: null });
    expect(result.stderr).toContain(`Cancelled (${signal}): removed what this run created in a/b/c/app`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    // Not one file left, and not the parent folders a/b/c this run made either.
    expect(listTree(cwd)).toEqual([]);
  });

  it('does not wait for ever for a child of npm that holds its output open', async () => {
    const cwd = tempDir();
    const started = Date.now();
    const result = await cancelAt('orphan', 'SIGINT', 'cli', cwd, 'app');
    expect(result.code, result.stderr).toBe(130);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(listTree(cwd)).toEqual([]);
  });

  it('keeps the folders that existed before, and what is in them', async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, 'work/mine'), { recursive: true });
    const result = await cancelAt('add', 'SIGINT', 'cli', cwd, 'work/new/app');
    expect(result.code, result.stderr).toBe(130);
    expect(listTree(cwd)).toEqual(['work', path.join('work', 'mine')]);
  });

  it('in a directory that held only .git, keeps that .git', async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, 'app/.git/objects'), { recursive: true });
    const result = await cancelAt('install', 'SIGTERM', 'cli', cwd, 'app');
    expect(result.code, result.stderr).toBe(143);
    expect(listTree(cwd)).toEqual(['app', path.join('app', '.git'), path.join('app', '.git', 'objects')]);
  });
});
