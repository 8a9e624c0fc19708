import { createHash } from 'node:crypto';
import { UserInputError } from '../shared/choices.js';
import type { Importer, PackageManifest } from './npm-lockfile.js';

/**
 * pnpm's lockfile names no package of the repo, only importer folders, and every service of a
 * combination has the same dependencies: so one pnpm-lock.yaml per dependency set, made by pnpm
 * for a repo with one service (`services/api`) and shipped in templates/lockfiles/pnpm/, serves any
 * number of services, its `services/api` importer block repeated under each service's folder.
 */
export const CANONICAL_SERVICE = 'api';

const dependencyFields = (manifest: PackageManifest) => ({
  dependencies: manifest.dependencies ?? {},
  devDependencies: manifest.devDependencies ?? {},
  optionalDependencies: manifest.optionalDependencies ?? {},
});

/** Names the shipped lockfile of a root and a service manifest: the same dependencies, the same file. */
export function pnpmLockfileKey(root: PackageManifest, service: PackageManifest): string {
  const signature = JSON.stringify({ root: dependencyFields(root), service: dependencyFields(service) });
  return createHash('sha256').update(signature).digest('hex').slice(0, 16);
}

export function composePnpmLockfile(importers: readonly Importer[], shipped: (key: string) => string | undefined): string {
  const root = importers.find((importer) => importer.location === '');
  const services = importers.filter((importer) => importer.location !== '');
  if (!root || services.length === 0) throw new Error('composePnpmLockfile: needs the root and at least one service');
  const key = pnpmLockfileKey(root.manifest, services[0]!.manifest);
  for (const service of services) {
    if (pnpmLockfileKey(root.manifest, service.manifest) !== key) {
      throw new Error(`composePnpmLockfile: ${service.location} depends on other packages than ${services[0]!.location}`);
    }
  }
  const canonical = shipped(key);
  if (canonical === undefined) {
    throw new UserInputError(
      `No shipped pnpm lockfile for these dependencies (${key}): run \`npm run lockfile:refresh\` in create-startup-backend.`,
    );
  }
  const start = canonical.indexOf('\nimporters:\n\n');
  const end = canonical.indexOf('\npackages:\n');
  if (start === -1 || end === -1) throw new Error(`pnpm lockfile ${key} has no importers or packages section`);
  const blocks = canonical.slice(start + '\nimporters:\n\n'.length, end).split('\n\n').map((block) => block.replace(/\n+$/, '')).filter(Boolean);
  const header = `  services/${CANONICAL_SERVICE}:\n`;
  const serviceBlock = blocks.find((block) => block.startsWith(header));
  if (!serviceBlock) throw new Error(`pnpm lockfile ${key} has no services/${CANONICAL_SERVICE} importer`);
  const others = blocks.filter((block) => block !== serviceBlock);
  const serviceBlocks = services.map(({ location }) => `  ${location}:\n${serviceBlock.slice(header.length)}`);
  // pnpm sorts importers by folder; `.` (the root) sorts first.
  const sorted = [...others, ...serviceBlocks].sort((a, b) => importerId(a).localeCompare(importerId(b), 'en'));
  return `${canonical.slice(0, start)}\nimporters:\n\n${sorted.join('\n\n')}\n${canonical.slice(end)}`;
}

function importerId(block: string): string {
  return block.slice(2, block.indexOf(':\n'));
}
