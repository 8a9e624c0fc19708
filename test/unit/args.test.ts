import { describe, expect, it } from 'vitest';
import { parseCreateArgs } from '../../bin/args.js';
import { CHOICES, checkChoice } from '../../generators/shared/choices.js';
import { detectPackageManager } from '../../bin/package-manager.js';

describe('create arguments', () => {
  it('reads the directory, the choices and the negated flags', () => {
    const args = parseCreateArgs(['../x', '--rpc', 'grpc', '--db=mysql', '--no-install', '--no-git', '-y']);
    expect(args).toMatchObject({
      directory: '../x', choices: { rpc: 'grpc', db: 'mysql' }, install: false, git: false, yes: true,
    });
  });

  it('rejects unknown options and extra positionals', () => {
    expect(() => parseCreateArgs(['x', '--frobnicate'])).toThrow(/Unknown option --frobnicate/);
    expect(() => parseCreateArgs(['x', 'y'])).toThrow(/Expected one directory/);
  });

  it('names the valid values of a misspelled choice', () => {
    expect(() => checkChoice('rpc', 'grcp')).toThrow('Unknown --rpc value "grcp". Valid values: grpc, thrift.');
  });

  it('announces a value whose templates are not released yet', () => {
    const withUnreleased = CHOICES.map((c) => (c.key === 'rpc' ? { ...c, available: ['grpc'] } : c));
    expect(() => checkChoice('rpc', 'thrift', withUnreleased)).toThrow(
      '--rpc thrift is not available yet in this release. Available now: grpc.',
    );
    expect(checkChoice('rpc', 'thrift')).toBe('thrift');
  });

  it('detects the package manager from the user agent', () => {
    expect(detectPackageManager('pnpm/9.1.0 npm/? node/v20.20.2 linux x64')).toBe('pnpm');
    expect(detectPackageManager(undefined)).toBe('npm');
  });
});
