import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root, found from this file whether it runs from source (vitest) or from dist/. */
function findPackageRoot(from: string): string {
  let dir = from;
  while (!readDirHasOwnPackageJson(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`create-startup-backend: package.json not found above ${from}`);
    dir = parent;
  }
  return dir;
}

function readDirHasOwnPackageJson(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
    return pkg.name === 'create-startup-backend';
  } catch {
    return false;
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');

export const TEMPLATE_VERSION: string = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

export function templateDir(...segments: string[]): string {
  return path.join(TEMPLATES_DIR, ...segments);
}
