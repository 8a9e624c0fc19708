import { describe, expect, it } from 'vitest';
import { recordedScaffolderIntegrity, scaffolderNpmEntry } from '../../generators/lockfile/scaffolder-package.js';
import { TEMPLATE_VERSION } from '../../generators/shared/paths.js';

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
