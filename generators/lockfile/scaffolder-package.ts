import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../shared/paths.js';
import type { PoolEntry } from './npm-lockfile.js';

/**
 * The generated repo devDepends on the exact release that made it (`new:service`, plop). Its lockfile
 * entry cannot come from the shipped pool, which is inside this package's own tarball: it is made from
 * this package.json, and its dependencies come from the pool like any other package's.
 */
export const SCAFFOLDER = 'create-startup-backend';

interface ScaffolderManifest {
  version: string;
  license: string;
  engines: Record<string, string>;
  bin: Record<string, string>;
  /** None since issue 14: dist/ bundles every package the CLIs run (a generated repo installs one package for it). */
  dependencies?: Record<string, string>;
}

let manifest: ScaffolderManifest | undefined;

export function scaffolderManifest(): ScaffolderManifest {
  manifest ??= JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as ScaffolderManifest;
  return manifest;
}

/**
 * What npm records of this package when a project depends on it, less `resolved` (the pool omits registry
 * URLs) and `integrity`, which no file of a package can know of its own tarball. npm installs such an entry
 * from the configured registry and leaves it as it is; pnpm needs the integrity (see pnpm-lockfile.ts).
 */
export function scaffolderNpmEntry(): PoolEntry {
  const { version, license, engines, bin } = scaffolderManifest();
  const dependencies = scaffolderDependencies();
  // npm leaves `dependencies` out of a package's entry when it has none.
  return Object.keys(dependencies).length > 0 ? { version, license, dependencies, bin, engines } : { version, license, bin, engines };
}

/** This package's runtime dependencies (`{}` when package.json declares none, as it does since issue 14). */
export function scaffolderDependencies(): Record<string, string> {
  return scaffolderManifest().dependencies ?? {};
}

/** The integrity a lockfile (npm's JSON or pnpm's YAML) records for this release, if it has it. */
export function recordedScaffolderIntegrity(lockfileText: string, format: 'npm' | 'pnpm', version: string): string | undefined {
  if (format === 'pnpm') {
    const escaped = version.replace(/[.+]/g, '\\$&');
    return new RegExp(`\\n  '?${SCAFFOLDER}@${escaped}'?:\\n    resolution: \\{integrity: ([^,}\\s]+)`).exec(lockfileText)?.[1];
  }
  try {
    const { packages = {} } = JSON.parse(lockfileText) as { packages?: Record<string, { version?: string; integrity?: string }> };
    for (const [location, entry] of Object.entries(packages)) {
      if (location.endsWith(`node_modules/${SCAFFOLDER}`) && entry.version === version && entry.integrity) return entry.integrity;
    }
  } catch {
    // Not a lockfile this can read: the caller looks elsewhere.
  }
  return undefined;
}
