#!/usr/bin/env node
// Refreshes templates/lockfiles/npm-packages.json, the package pool every generated package-lock.json
// is cut from: npm resolves the union of every combination's dependencies once, today, and the result
// is committed, reviewed and tested like any template change (then bump the version: see docs/releasing.md).
// Usage: npm run lockfile:refresh   (needs `npm run build` and the npm registry)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { poolManifest } = await import(path.join(root, 'dist/generators/lockfile/pool-manifest.js'));
const { poolFromLockfile } = await import(path.join(root, 'dist/generators/lockfile/npm-lockfile.js'));
const { NPM_POOL_FILE } = await import(path.join(root, 'dist/generators/lockfile/generator.js'));

const dir = mkdtempSync(path.join(os.tmpdir(), 'csb-lockfile-pool-'));
try {
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(poolManifest(), null, 2)}\n`);
  // No registry URLs in the pool (a team's mirror serves the same tarballs, checked by integrity).
  execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund',
    '--omit-lockfile-registry-resolved=true'], { cwd: dir, stdio: 'inherit' });
  const pool = poolFromLockfile(JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')));
  writeFileSync(NPM_POOL_FILE, `${JSON.stringify(pool, null, 2)}\n`);
  console.log(`wrote ${path.relative(root, NPM_POOL_FILE)}: ${Object.keys(pool).length} packages`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
