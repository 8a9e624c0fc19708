import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { listTree, runCreate, tempDir } from './run-cli.js';

/** Each bad input: exit 1, exactly one line on stderr naming the problem and the fix, nothing written. */
function expectRejected(args: string[], cwd: string, message: RegExp, options: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}) {
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
    // Refused as typed, never rewritten (my:app was written as myapp, a\b as b).
    ['a character file systems refuse', ['my:app'], /^error Invalid project name "my:app": .*URL-friendly.*Use a valid npm package name, e\.g\. "my-app"\.$/],
    ['a backslash', ['a\\b'], /^error Invalid project name "a\\b": "\\" is not a folder separator here\. Use "\/" for a path \(a\/b\), or a name like "a-b"\.$/],
    ['a question mark', ['app?'], /Invalid project name "app\?"/],
  ])('%s', (_label, dirArgs, message) => {
    expectRejected([...dirArgs, '--yes', '--no-install', '--no-git'], cwd, message);
  });

  it('an unknown choice value lists the valid values', () => {
    expectRejected(['app', '--yes', '--db', 'postgres'], cwd, /Unknown --db value "postgres"\. Valid values: mysql, tidb\./);
  });

  it('a pnpm repo when neither a lockfile beside this copy nor the registry gives the scaffolder\'s integrity', () => {
    // Run from the source tree (no install lockfile names it) against a registry port nobody listens on.
    expectRejected(['app', '--yes', '--no-install', '--no-git', '--package-manager', 'pnpm'], cwd,
      /^error pnpm-lock\.yaml needs the integrity of create-startup-backend@[\d.]+, found in no lockfile beside this copy and not at http:\/\/127\.0\.0\.1:9\/create-startup-backend\/[\d.]+ \(.+\): run it from the registry \(npx, npm create, pnpm dlx\), or use npm\.$/,
      { env: { npm_config_registry: 'http://127.0.0.1:9/' } });
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

  it.each([
    ['a value option', ['--rpc', 'grpc', '--rpc', 'thrift'], '--rpc was given twice (grpc, thrift): pass it once.'],
    ['--service', ['--service', 'a', '--service', 'b'], '--service was given twice (a, b): pass it once.'],
    ['a value option with the same value', ['--db=mysql', '--db', 'mysql'], '--db was given twice (mysql, mysql): pass it once.'],
    ['--package-manager', ['--package-manager', 'npm', '--package-manager', 'pnpm'], '--package-manager was given twice (npm, pnpm): pass it once.'],
    ['a switch both ways', ['--git', '--no-git'], '--git was given twice (--git, --no-git): pass it once.'],
    ['a switch both ways with =', ['--install=false', '--install'], '--install was given twice (--install=false, --install): pass it once.'],
  ])('%s given twice', (_label, flags, message) => {
    expectRejected(['app', '--yes', ...flags], cwd, new RegExp(`^error ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it.each([
    ['--package-manager yarn', ['--package-manager', 'yarn'], {}, /^error yarn is not supported yet: use --package-manager npm or --package-manager pnpm\.$/],
    ['--package-manager bun', ['--package-manager', 'bun'], {}, /^error bun is not supported yet: use --package-manager npm or --package-manager pnpm\.$/],
    ['an unknown package manager', ['--package-manager', 'deno'], {}, /^error Unknown --package-manager value "deno"\. Valid values: npm, pnpm\.$/],
    ['`yarn create`', [], { npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20.19.0 linux x64' }, /^error yarn is not supported yet \(this run was started by yarn\): pass --package-manager npm or --package-manager pnpm/],
    ['`bun create`', [], { npm_config_user_agent: 'bun/1.1.0 npm/? node/v20.19.0 linux x64' }, /^error bun is not supported yet .*--package-manager npm/],
  ])('%s is refused before anything is asked or written', (_label, flags, env, message) => {
    // Without --yes and without a TTY, a missing answer would be the error: the package manager comes first.
    expectRejected(['app', ...flags], cwd, message, { env });
  });

  it('a dangling symbolic link as the target: kept, and its target not created', () => {
    symlinkSync(path.join(cwd, 'nowhere'), path.join(cwd, 'app'));
    expectRejected(['app', '--yes', '--no-install', '--no-git'], cwd, /^error app is a dangling symbolic link \(to .*nowhere, which does not exist\)\. Pick another directory\.$/);
    expect(lstatSync(path.join(cwd, 'app')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(cwd, 'app'))).toBe(path.join(cwd, 'nowhere'));
    expect(existsSync(path.join(cwd, 'nowhere'))).toBe(false);
  });

  it('a path through a dangling symbolic link', () => {
    symlinkSync(path.join(cwd, 'nowhere'), path.join(cwd, 'link'));
    expectRejected(['link/app', '--yes', '--no-install', '--no-git'], cwd, /^error Cannot create link\/app: .*link is a dangling symbolic link/);
    expect(existsSync(path.join(cwd, 'nowhere'))).toBe(false);
  });

  it('a symbolic link to an empty directory', () => {
    mkdirSync(path.join(cwd, 'real'));
    symlinkSync(path.join(cwd, 'real'), path.join(cwd, 'app'));
    expectRejected(['app', '--yes', '--no-install', '--no-git'], cwd, /^error app is a symbolic link \(to .*real\), not a directory\. Pick another directory\.$/);
  });

  it('a named pipe (FIFO)', () => {
    expect(spawnSync('mkfifo', [path.join(cwd, 'app')]).status).toBe(0);
    expectRejected(['app', '--yes', '--no-install', '--no-git'], cwd, /^error app exists and is a named pipe \(FIFO\)\. Pick another directory\.$/);
    expect(lstatSync(path.join(cwd, 'app')).isFIFO()).toBe(true);
  });

  it.each(['/dev/null', '/dev/zero'])('a device (%s)', (device) => {
    expectRejected([device, '--yes', '--no-install', '--no-git'], cwd, new RegExp(`^error ${device} exists and is a device\\. Pick another directory\\.$`));
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
  });

  it.each([
    ['/proc/csb-app', '/proc'],
    ['/proc/self/csb-app', '/proc'],
    ['/proc/self/fd/csb/app', '/proc'],
    ['/sys/csb-app', '/sys'],
    ['/sys/kernel/csb/app', '/sys'],
  ])('a path under a kernel file system (%s)', (target, root) => {
    expectRejected([target, '--yes', '--no-install', '--no-git'], cwd, new RegExp(`^error Cannot create ${target}: ${root} is a kernel file system`));
    expect(existsSync(target)).toBe(false);
  });

  it('"." in a directory that is not empty', () => {
    const dir = path.join(cwd, 'shop');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expectRejected(['.', '--yes', '--no-install', '--no-git'], dir, /^error Target directory \. is not empty\. Pick another directory, or empty it first\.$/);
  });

  it('"." in a directory whose name is not a valid project name', () => {
    const dir = path.join(cwd, 'My App');
    mkdirSync(dir);
    expectRejected(['./', '--yes', '--no-install', '--no-git'], dir, /^error Invalid project name "My App" \(the name of the current directory, from "\."\): .*"my-app"\.$/);
  });

  it('missing answers without a TTY and without --yes name the flags', () => {
    expectRejected(['app'], cwd, /Missing --rpc, --discovery, --db, --ci, --service: pass them as arguments, or --yes/);
  });

  it('an unknown option', () => {
    expectRejected(['app', '--yes', '--colour'], cwd, /Unknown option --colour/);
  });
});
