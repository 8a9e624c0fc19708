import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { listTree, runCreate, tempDir } from './run-cli.js';

/** Each bad input: exit 1, exactly one line on stderr naming the problem and the fix, nothing written. */
function expectRejected(args: string[], cwd: string, message: RegExp, options: { prefix?: string[] } = {}) {
  const before = listTree(cwd);
  const result = runCreate(args, { cwd, ...options });
  expect(result.status, result.stderr).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error /);
  expect(lines[0]).toMatch(message);
  expect(listTree(cwd)).toEqual(before);
}

describe('create: bad input is refused with one line, exit 1, nothing written', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = tempDir();
  });

  it.each([
    ['empty name', [''], /Project name is empty/],
    ['uppercase', ['MyApp'], /capital letters.*"myapp"/],
    ['spaces', ['my app'], /URL-friendly.*"my-app"/],
    ['dot-dot', ['..'], /period/],
    ['leading dot', ['.app'], /period/],
    ['leading dash', ['-app'], /hyphen|Unknown option/],
    ['reserved word', ['node_modules'], /not a valid package name/],
    ['too long', ['a'.repeat(215)], /214/],
    ['npm-forbidden characters', ["it's"], /special characters|URL-friendly/],
    ['a path whose last segment is invalid', ['work/Bad'], /capital letters/],
  ])('%s', (_label, dirArgs, message) => {
    expectRejected([...dirArgs, '--yes', '--no-install', '--no-git'], cwd, message);
  });

  it('an unknown choice value lists the valid values', () => {
    expectRejected(['app', '--yes', '--db', 'postgres'], cwd, /Unknown --db value "postgres"\. Valid values: mysql, tidb\./);
  });

  it('an invalid service name', () => {
    expectRejected(['app', '--yes', '--service', 'Payments'], cwd, /Invalid service name "Payments".*"payments"/);
  });

  it('a target that exists and is not empty', () => {
    mkdirSync(path.join(cwd, 'app'));
    writeFileSync(path.join(cwd, 'app', 'notes.txt'), 'mine');
    expectRejected(['app', '--yes', '--no-install', '--no-git'], cwd, /app is not empty\. Pick another directory/);
  });

  it('a parent that is a file', () => {
    writeFileSync(path.join(cwd, 'file'), '');
    expectRejected(['file/app', '--yes', '--no-install', '--no-git'], cwd, /is not a directory/);
  });

  it('an unwritable parent directory (run as an unprivileged user)', () => {
    const parent = path.join(cwd, 'locked');
    mkdirSync(parent);
    chmodSync(cwd, 0o755);
    chmodSync(parent, 0o555);
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined;
    expectRejected(['locked/app', '--yes', '--no-install', '--no-git'], cwd, /Cannot write to .*locked/, { prefix: asNobody });
  });

  it('missing answers without a TTY and without --yes name the flags', () => {
    expectRejected(['app'], cwd, /Missing --rpc, --discovery, --db, --ci, --service: pass them as arguments, or --yes/);
  });

  it('an unknown option', () => {
    expectRejected(['app', '--yes', '--colour'], cwd, /Unknown option --colour/);
  });
});
