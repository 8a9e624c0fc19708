import { describe, expect, it } from 'vitest';
import { renderRepository } from '../../generators/engine/render.js';
import { recordedScaffolderIntegrity, scaffolderDependencies, scaffolderNpmEntry } from '../../generators/lockfile/scaffolder-package.js';
import { TEMPLATE_VERSION } from '../../generators/shared/paths.js';
import { answersFor } from './fixtures.js';

/** Where the pnpm lockfile's scaffolder integrity is read from: the lockfiles npx, pnpm dlx and a repo keep. */
describe('the integrity a lockfile records for this release', () => {
  const integrity = 'sha512-AAAA/BBBB+CCCC==';

  it('is read from npm\'s lockfile (npx keeps one), at any depth, for this version only', () => {
    const lockfile = (version: string, location = 'node_modules/create-startup-backend') =>
      JSON.stringify({ packages: { '': {}, [location]: { version, integrity } } });
    expect(recordedScaffolderIntegrity(lockfile(TEMPLATE_VERSION), 'npm', TEMPLATE_VERSION)).toBe(integrity);
    expect(recordedScaffolderIntegrity(lockfile(TEMPLATE_VERSION, 'node_modules/x/node_modules/create-startup-backend'), 'npm', TEMPLATE_VERSION)).toBe(integrity);
    expect(recordedScaffolderIntegrity(lockfile('0.0.1'), 'npm', TEMPLATE_VERSION)).toBeUndefined();
    expect(recordedScaffolderIntegrity(lockfile(TEMPLATE_VERSION, 'node_modules/create-startup-backend-extra'), 'npm', TEMPLATE_VERSION)).toBeUndefined();
    expect(recordedScaffolderIntegrity('not json', 'npm', TEMPLATE_VERSION)).toBeUndefined();
  });

  it('is read from pnpm\'s lockfile (a repo, pnpm dlx), for this version only', () => {
    const lockfile = (version: string) =>
      `lockfileVersion: '9.0'\n\npackages:\n\n  create-startup-backend@${version}:\n    resolution: {integrity: ${integrity}}\n    engines: {node: '>=20.19.0'}\n`;
    expect(recordedScaffolderIntegrity(lockfile(TEMPLATE_VERSION), 'pnpm', TEMPLATE_VERSION)).toBe(integrity);
    expect(recordedScaffolderIntegrity(lockfile(`${TEMPLATE_VERSION}1`), 'pnpm', TEMPLATE_VERSION)).toBeUndefined();
  });

  it('is never in npm\'s entry, which npm installs from the configured registry', () => {
    expect(scaffolderNpmEntry()).toEqual(expect.objectContaining({ version: TEMPLATE_VERSION }));
    expect(scaffolderNpmEntry()).not.toHaveProperty('integrity');
    expect(scaffolderNpmEntry()).not.toHaveProperty('resolved');
  });
});

/** Since issue 14 the scaffolder depends on nothing at run time (dist/ bundles it all): a repo's lockfiles say so. */
describe('the scaffolder in a generated repo\'s lockfile', () => {
  it('has no dependencies, so npm\'s entry leaves the field out as npm does', () => {
    expect(scaffolderDependencies()).toEqual({});
    expect(scaffolderNpmEntry()).not.toHaveProperty('dependencies');
    const files = renderRepository({ ...answersFor({ rpc: 'grpc', db: 'mysql' }, ['orders']), packageManager: 'npm' }, {});
    const lockfile = JSON.parse(files.get('package-lock.json')!.toString('utf8')) as { packages: Record<string, Record<string, unknown>> };
    const entry = lockfile.packages['node_modules/create-startup-backend']!;
    expect(entry).toMatchObject({ version: TEMPLATE_VERSION, dev: true });
    expect(entry).not.toHaveProperty('dependencies');
    for (const gone of ['ejs', 'execa', 'prompts', 'validate-npm-package-name']) expect(lockfile.packages).not.toHaveProperty(`node_modules/${gone}`);
  });

  it('is a snapshot without dependencies in pnpm\'s (`id: {}`, as pnpm writes one)', () => {
    const answers = { ...answersFor({ rpc: 'thrift', db: 'tidb' }, ['orders', 'billing:grpc']), packageManager: 'pnpm' as const };
    const text = renderRepository(answers, { scaffolderIntegrity: 'sha512-test' }).get('pnpm-lock.yaml')!.toString('utf8');
    const snapshots = text.slice(text.indexOf('\nsnapshots:\n'));
    expect(snapshots).toContain(`\n  create-startup-backend@${TEMPLATE_VERSION}: {}\n`);
    expect(text).toContain(`\n  create-startup-backend@${TEMPLATE_VERSION}:\n    resolution: {integrity: sha512-test}\n`);
    const rootImporter = text.slice(text.indexOf('\n  .:\n'), text.indexOf('\n\n', text.indexOf('\n  .:\n')));
    expect(rootImporter).toContain(`\n      create-startup-backend:\n        specifier: ${TEMPLATE_VERSION}\n`);
    for (const gone of ['ejs', 'execa', 'prompts']) expect(rootImporter).not.toMatch(new RegExp(`\\n {6}${gone}:\\n`));
  });
});
