import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNpmRegistry, type NpmRegistry } from './servers.js';

/**
 * Vitest globalSetup: a generated repo devDepends on this very release of create-startup-backend, which is
 * on no public registry yet. So every test that installs one installs through a local Verdaccio the packed
 * package (built by `npm test`) is published to, proxying the public registry for everything else, as a
 * user's install would fetch it. Test processes inherit the registry through npm's own environment
 * variables (npm and pnpm read them); CSB_TEST_SCAFFOLDER_INTEGRITY is the published tarball's integrity,
 * for test helpers that render a pnpm repo without the CLI.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// Projects inherit the root config's globalSetup: one registry serves them all.
const shared = globalThis as { csbTestRegistry?: Promise<NpmRegistry> };

export default async function setup(): Promise<() => Promise<void>> {
  shared.csbTestRegistry ??= startRegistryWith([ROOT]);
  const registry = await shared.csbTestRegistry;
  return async () => {
    if (!shared.csbTestRegistry) return;
    shared.csbTestRegistry = undefined;
    await registry.stop();
  };
}

/**
 * The registry, with each checkout's build of create-startup-backend packed and published (this one,
 * and for the bench an older release's worktree); this process and its children are pointed at it.
 */
export async function startRegistryWith(packageDirs: readonly string[]): Promise<NpmRegistry> {
  const registry = await startNpmRegistry();
  const packDir = mkdtempSync(path.join(os.tmpdir(), 'csb-test-pack-'));
  try {
    for (const dir of packageDirs) {
      const pack = spawnSync('npm', ['pack', '--pack-destination', packDir, '--ignore-scripts', '--json'], { cwd: dir, encoding: 'utf8' });
      if (pack.status !== 0) throw new Error(`npm pack in ${dir} failed (${pack.status}): ${pack.stderr}`);
      const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string }>;
      await registry.publish(path.join(packDir, packed!.filename));
    }
    const tarball = path.join(packDir, `create-startup-backend-${VERSION}.tgz`);
    Object.assign(process.env, registry.env, {
      CSB_TEST_SCAFFOLDER_INTEGRITY: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    });
    return registry;
  } catch (error) {
    await registry.stop();
    throw error;
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}
