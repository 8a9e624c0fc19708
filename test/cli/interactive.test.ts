import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CREATE_BIN, STARTUP_BACKEND_BIN, tempDir } from './run-cli.js';

/** Drives the real prompts in a pseudo-terminal (tmux), as a person at a keyboard would. */
class Terminal {
  readonly session = `csb-${process.pid}-${Date.now()}`;

  constructor(command: string, cwd: string) {
    execFileSync('tmux', ['new-session', '-d', '-s', this.session, '-x', '120', '-y', '40', '-c', cwd, command]);
    execFileSync('tmux', ['set-option', '-t', this.session, 'remain-on-exit', 'on']);
  }

  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-t', this.session], { encoding: 'utf8' });
  }

  async waitFor(text: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${String(text)}. Screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  keys(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.session, ...keys]);
  }

  type(text: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.session, '-l', text]);
  }

  /** Types an answer and Enter; with `refusedWith`, waits for the refusal and erases the answer again. */
  async answer(text: string, refusedWith?: RegExp): Promise<void> {
    this.type(text);
    this.keys('Enter');
    if (!refusedWith) return;
    await this.waitFor(refusedWith);
    this.keys(...Array<string>(text.length).fill('BSpace'));
  }

  close(): void {
    execFileSync('tmux', ['kill-session', '-t', this.session], { stdio: 'ignore' });
  }
}

describe('create: interactive questions in a pseudo-terminal', () => {
  let terminal: Terminal | undefined;
  afterEach(() => terminal?.close());

  it('asks every question, offers a corrected project name, and generates the repo', async () => {
    const cwd = tempDir();
    terminal = new Terminal(`NO_COLOR=1 ${process.execPath} ${CREATE_BIN} --no-install --no-git; echo EXIT=$?`, cwd);
    await terminal.waitFor('Project directory');
    // The default shows as a placeholder: typing replaces it.
    terminal.type('Cool App');
    terminal.keys('Enter');
    // The invalid name comes back as a question whose default is the corrected name.
    await terminal.waitFor(/Project directory.*cool-app/);
    terminal.keys('Enter');
    for (const question of ['RPC framework', 'Service discovery', 'Database', 'CI']) {
      await terminal.waitFor(question);
      terminal.keys('Enter');
    }
    await terminal.waitFor('Name of the first service');
    await terminal.answer('Payments', /use lowercase letters/);
    await terminal.answer('payments');
    const screen = await terminal.waitFor(/EXIT=\d+/, 20_000);
    expect(screen).toContain('EXIT=0');
    expect(screen).toContain('Done. Now run:');
    const answers = JSON.parse(readFileSync(path.join(cwd, 'cool-app', '.startup-backend.json'), 'utf8'));
    expect(answers).toMatchObject({ projectName: 'cool-app', rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab' });
    expect(answers.services[0].name).toBe('payments');
  });

  it('Ctrl-C at a question cancels with exit 1 and writes nothing', async () => {
    const cwd = tempDir();
    terminal = new Terminal(`NO_COLOR=1 ${process.execPath} ${CREATE_BIN} app --no-install --no-git; echo EXIT=$?`, cwd);
    await terminal.waitFor('RPC framework');
    terminal.keys('C-c');
    const screen = await terminal.waitFor(/EXIT=\d+/);
    expect(screen).toContain('Operation cancelled.');
    expect(screen).toContain('EXIT=1');
    expect(existsSync(path.join(cwd, 'app'))).toBe(false);
  });
});

describe('add service: the name asked in a pseudo-terminal when not given', () => {
  let terminal: Terminal | undefined;
  afterEach(() => terminal?.close());

  it('asks the question of the service schema, re-asks an invalid name, then adds the service', async () => {
    const cwd = tempDir();
    execFileSync(process.execPath, [CREATE_BIN, 'shop', '--yes', '--no-install', '--service', 'orders'], {
      cwd, env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' },
    });
    const repo = path.join(cwd, 'shop');
    terminal = new Terminal(`NO_COLOR=1 ${process.execPath} ${STARTUP_BACKEND_BIN} add service --no-install; echo EXIT=$?`, repo);
    await terminal.waitFor('Name of the new service');
    // A valid name that collides with the recorded service is asked again, with the reason.
    await terminal.answer('orders-test', /the test database of "orders"/);
    await terminal.answer('Ledger', /use lowercase letters/);
    await terminal.answer('ledger');
    const screen = await terminal.waitFor(/EXIT=\d+/, 20_000);
    expect(screen).toContain('EXIT=0');
    expect(screen).toContain('Added service ledger');
    const answers = JSON.parse(readFileSync(path.join(repo, '.startup-backend.json'), 'utf8'));
    expect(answers.services.map((s: { name: string }) => s.name)).toEqual(['orders', 'ledger']);
  });
});
