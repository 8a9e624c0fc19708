import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importersOf, NPM_POOL_FILE } from '../../generators/lockfile/generator.js';
import { composeNpmLockfile, inNpmOrder, poolFromLockfile, type PackagePool } from '../../generators/lockfile/npm-lockfile.js';
import { allCombinations, poolManifest } from '../../generators/lockfile/pool-manifest.js';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { answersFor, emptyTree } from './fixtures.js';

/** A pool with the shapes npm produces: nesting, optional, peer, peerOptional and dev-only packages. */
const POOL: PackagePool = {
  'node_modules/runtime': { version: '1.0.0', integrity: 'sha512-r', dependencies: { shared: '^1.0.0' }, optionalDependencies: { native: '1.0.0', absent: '1.0.0' } },
  'node_modules/shared': { version: '1.2.0', integrity: 'sha512-s1' },
  'node_modules/native': { version: '1.0.0', integrity: 'sha512-n', os: ['darwin'] },
  'node_modules/tool': { version: '2.0.0', integrity: 'sha512-t', dependencies: { shared: '^2.0.0' }, peerDependencies: { plugin: '*', maybe: '*' }, peerDependenciesMeta: { maybe: { optional: true } } },
  'node_modules/tool/node_modules/shared': { version: '2.0.0', integrity: 'sha512-s2' },
  'node_modules/plugin': { version: '1.0.0', integrity: 'sha512-p' },
  'node_modules/unreached': { version: '9.9.9', integrity: 'sha512-u' },
};

const lock = (importers: Parameters<typeof composeNpmLockfile>[0], pool = POOL) =>
  JSON.parse(composeNpmLockfile(importers, pool)) as { packages: Record<string, Record<string, unknown>> };

describe('composeNpmLockfile', () => {
  const importers = [
    { location: '', manifest: { name: 'app', version: '0.1.0', workspaces: ['services/*'], devDependencies: { tool: '2.0.0' } } },
    { location: 'services/api', manifest: { name: '@app/api', version: '0.1.0', dependencies: { runtime: '1.0.0' } } },
  ];

  it('keeps only what the manifests reach, in the places the pool gave them, with npm\'s flags', () => {
    const { packages } = lock(importers);
    expect(Object.keys(packages)).toEqual([
      '', 'node_modules/@app/api', 'node_modules/native', 'node_modules/plugin', 'node_modules/runtime',
      'node_modules/shared', 'node_modules/tool', 'node_modules/tool/node_modules/shared', 'services/api',
    ]);
    expect(packages['node_modules/@app/api']).toEqual({ resolved: 'services/api', link: true });
    // A workspace's dependencies are production ones; the root's devDependencies and what only they reach are dev.
    expect(packages['node_modules/runtime']).not.toHaveProperty('dev');
    expect(packages['node_modules/shared']).not.toHaveProperty('dev');
    expect(packages['node_modules/tool']).toMatchObject({ dev: true });
    expect(packages['node_modules/tool/node_modules/shared']).toMatchObject({ dev: true });
    expect(packages['node_modules/native']).toMatchObject({ optional: true });
    expect(packages['node_modules/plugin']).toMatchObject({ dev: true, peer: true });
    expect(packages['services/api']).toMatchObject({ name: '@app/api', dependencies: { runtime: '1.0.0' } });
  });

  it('writes keys in npm\'s order (json-stringify-nice), so npm rewrites the file unchanged', () => {
    const text = composeNpmLockfile(importers, POOL);
    expect(text.startsWith('{\n  "name": "app",\n  "version": "0.1.0",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {\n    "": {')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('refuses a pool that lacks a pinned package or holds another version of it, naming the fix', () => {
    const missing = [importers[0]!, { location: 'services/api', manifest: { name: '@app/api', version: '0.1.0', dependencies: { gone: '1.0.0' } } }];
    expect(() => composeNpmLockfile(missing, POOL)).toThrow(/no gone@1\.0\.0 .*npm run lockfile:refresh/);
    const stale = [importers[0]!, { location: 'services/api', manifest: { name: '@app/api', version: '0.1.0', dependencies: { runtime: '1.0.1' } } }];
    expect(() => composeNpmLockfile(stale, POOL)).toThrow(/has runtime@1\.0\.0, but services\/api asks for 1\.0\.1/);
  });

  it('strips the flags from a lockfile it turns into a pool', () => {
    const pool = poolFromLockfile({
      packages: { '': { name: 'x' }, 'node_modules/a': { version: '1.0.0', dev: true, optional: true, peer: true, devOptional: true }, 'node_modules/@x/y': { resolved: 'services/y', link: true } },
    });
    expect(pool).toEqual({ 'node_modules/a': { version: '1.0.0' } });
  });

  it('keeps a pool\'s entries in npm\'s key order at every depth, which composing relies on', () => {
    const pool = poolFromLockfile({
      packages: { 'node_modules/a': { license: 'MIT', engines: { node: '>=20', bun: '*' }, integrity: 'sha512-a', version: '1.0.0', funding: [{ url: 'u', type: 't' }] } },
    });
    expect(JSON.stringify(pool['node_modules/a'])).toBe('{"version":"1.0.0","integrity":"sha512-a","funding":[{"type":"t","url":"u"}],"license":"MIT","engines":{"bun":"*","node":">=20"}}');
  });
});

describe('the shipped pool', () => {
  it('holds every dependency of every combination at its pinned version, at the top level', () => {
    const pool = JSON.parse(composeNpmLockfile([{ location: '', manifest: poolManifest() }], POOL_FROM_DISK())) as { packages: Record<string, { version?: string }> };
    for (const [name, version] of Object.entries(poolManifest().devDependencies ?? {})) {
      expect(pool.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });

  it('is in npm\'s key order at every depth, as is the lockfile composed from it', () => {
    const pool = POOL_FROM_DISK();
    for (const [location, entry] of Object.entries(pool)) expect(JSON.stringify(entry), location).toBe(JSON.stringify(inNpmOrder(entry)));
    const text = composeNpmLockfile([{ location: '', manifest: poolManifest() }], pool);
    expect(text).toBe(`${JSON.stringify(inNpmOrder(JSON.parse(text) as Record<string, unknown>), null, 2)}\n`);
  });

  it.each(allCombinations().map((c) => [`${c.rpc}-${c.discovery}-${c.db}-${c.ci}`, c] as const))(
    'composes the lockfile of %s with two services',
    (_label, choices) => {
      const answers = { ...answersFor(choices, ['api', 'order-book']), projectName: 'app' };
      const tree = emptyTree();
      workspaceGenerator(tree, answers);
      const { packages } = JSON.parse(tree.read('package-lock.json', 'utf-8')!) as { packages: Record<string, unknown> };
      expect(packages['node_modules/@app/order-book']).toEqual({ resolved: 'services/order-book', link: true });
      for (const importer of importersOf(tree, answers)) expect(packages[importer.location]).toBeDefined();
    },
  );
});

function POOL_FROM_DISK(): PackagePool {
  return JSON.parse(readFileSync(NPM_POOL_FILE, 'utf8')) as PackagePool;
}
