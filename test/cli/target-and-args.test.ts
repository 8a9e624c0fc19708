import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCreateArgs } from '../../bin/args.js';
import { resolvePackageManager, runScriptCommand } from '../../bin/package-manager.js';
import { formatTargetDir, inspectTarget, projectNameOf, removeCreated } from '../../bin/target-dir.js';
import { listTree, tempDir } from './run-cli.js';

describe('target directory, in process', () => {
  it('trims spaces and trailing slashes only', () => {
    expect(formatTargetDir('  my:app/// ')).toBe('my:app');
    expect(formatTargetDir('./')).toBe('.');
    expect(formatTargetDir('a\\b')).toBe('a\\b');
  });

  it('takes the last segment literally, and "." as the current directory', () => {
    expect(projectNameOf('work/shop')).toBe('shop');
    expect(projectNameOf('a\\b')).toBe('a\\b');
    expect(projectNameOf('.', '/home/me/shop')).toBe('shop');
  });

  it('removes the parents it created, but not one that has gained an entry since', () => {
    const cwd = tempDir();
    const target = inspectTarget('a/b/c/app', cwd);
    expect(target.createdParents).toEqual(['a/b/c', 'a/b', 'a'].map((p) => path.join(cwd, p)));
    mkdirSync(target.root, { recursive: true });
    writeFileSync(path.join(target.root, 'file'), '');
    writeFileSync(path.join(cwd, 'a', 'theirs'), '');
    removeCreated(target);
    expect(listTree(cwd)).toEqual(['a', path.join('a', 'theirs')]);
  });
});

describe('create arguments, in process', () => {
  it('keeps every value as typed', () => {
    expect(parseCreateArgs(['1e3', '--service', '010'])).toMatchObject({ directory: '1e3', service: '010' });
    expect(parseCreateArgs(['0x10']).directory).toBe('0x10');
  });

  it('refuses a value option given twice and a switch given both ways', () => {
    expect(() => parseCreateArgs(['x', '--ci', 'gitlab', '--ci=jenkins'])).toThrow('--ci was given twice (gitlab, jenkins): pass it once.');
    expect(() => parseCreateArgs(['x', '-y', '--no-yes'])).toThrow('--yes was given twice (-y, --no-yes): pass it once.');
    expect(() => parseCreateArgs(['x', '--dry-run', '--dry-run=false'])).toThrow(/--dry-run was given twice/);
    expect(parseCreateArgs(['x', '--no-git', '--git=false']).git).toBe(false);
  });

  it('picks the package manager: the flag, else the user agent; yarn and bun are refused', () => {
    expect(resolvePackageManager('pnpm', 'npm/10.0.0 node/v20')).toBe('pnpm');
    expect(resolvePackageManager(undefined, 'pnpm/9.0.0 npm/? node/v20')).toBe('pnpm');
    expect(resolvePackageManager(undefined, undefined)).toBe('npm');
    expect(() => resolvePackageManager('bun', undefined)).toThrow('bun is not supported yet: use --package-manager npm or --package-manager pnpm.');
    expect(() => resolvePackageManager(undefined, 'yarn/4.0.0 npm/? node/v20')).toThrow(/--package-manager npm/);
  });

  it('writes each package manager its own script commands', () => {
    expect(['lint', 'test'].map((s) => runScriptCommand('npm', s))).toEqual(['npm run lint', 'npm test']);
    expect(['lint', 'test'].map((s) => runScriptCommand('pnpm', s))).toEqual(['pnpm lint', 'pnpm test']);
  });
});
