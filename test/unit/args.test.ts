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

  it('refuses a value option without its value, and a --no- form of one', () => {
    expect(() => parseCreateArgs(['x', '--rpc'])).toThrow('--rpc needs a value: pass --rpc <value> (or --rpc=<value>).');
    expect(() => parseCreateArgs(['x', '--rpc', '--yes'])).toThrow(/--rpc needs a value/);
    expect(() => parseCreateArgs(['x', '--no-rpc'])).toThrow('Unknown option --no-rpc. Run with --help to see the options.');
    expect(() => parseCreateArgs(['x', '-q'])).toThrow('Unknown option -q. Run with --help to see the options.');
    expect(parseCreateArgs(['x', '--rpc=-grpc']).choices.rpc).toBe('-grpc');
  });

  it('reads a switch given a value, grouped short switches, and what follows -- as positionals', () => {
    expect(parseCreateArgs(['x', '--git=true', '--yes=false'])).toMatchObject({ git: true, yes: false });
    expect(parseCreateArgs(['x', '-yh'])).toMatchObject({ yes: true, help: true, install: true });
    expect(() => parseCreateArgs(['x', '--', '--yes'])).toThrow('Expected one directory, got 2 (x, --yes).');
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
