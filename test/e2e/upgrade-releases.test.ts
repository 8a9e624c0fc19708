import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitAll, createWithRelease, expectGreen, expectUpgradedThenCommit, releaseCache, resolveConflicts, sh, startWorld, stopWorld,
  teamEdits, upgrade, VERSION, type Combination, type UpgradeWorld,
} from '../support/upgrade-e2e.js';

/**
 * Across more real releases than upgrade.test.ts's 0.1.0: 0.2.1, 0.5.0 and 0.6.0 built from the commits
 * docs/releases.json records and published with this release to a local registry (Verdaccio on loopback).
 * - A pnpm repo made by 0.2.1 (0.2.x are the first releases with `--package-manager`) is upgraded in two
 *   steps: `--to 0.6.0` (another release than the running one: theirs is 0.6.0, fetched from the registry,
 *   and the 0.3.0 migration runs), then to this release (the base is 0.6.0's dist/render.js, from the
 *   cache; the migration does not run again).
 * - An npm repo made by 0.5.0 (the last release whose base is replayed through its own CLI) and grown by
 *   0.5.0's own `add service` is upgraded straight to this release (the replay runs `add service` too).
 * Every team line survives each step, the deleted runbook stays deleted, and each upgraded repo installs
 * from its lockfile, lints, type-checks and passes its tests, integration included, on Node 24 (Consul
 * through its contract fake, TiDB through MariaDB).
 */
let world: UpgradeWorld;

beforeAll(async () => {
  world = await startWorld(['0.2.1', '0.5.0', '0.6.0']);
}, 900_000);

afterAll(async () => {
  await stopWorld(world ?? {});
});

describe('a pnpm repo made by 0.2.1: thrift + consul + tidb + gitlab, upgraded --to 0.6.0, then to this release', () => {
  const combination: Combination = { rpc: 'thrift', discovery: 'consul', db: 'tidb', ci: 'gitlab', service: 'billing' };
  let repo: string;
  let teamLines: Record<string, string[]>;

  beforeAll(async () => {
    repo = await createWithRelease('0.2.1', combination, ['--package-manager', 'pnpm']);
    teamLines = teamEdits(repo, combination, { sharedAlertFile: true });
    await commitAll(repo, 'a year of team edits');
  }, 300_000);

  it('upgrades --to 0.6.0: the 0.3.0 migration runs once, the answers and the devDependency name 0.6.0, no team line lost', async () => {
    const result = await upgrade(repo, ['--to', '0.6.0']);
    // README ends with the GitLab section's last sentence, right where the team appended its notes, and 0.6.0
    // extended that sentence (create-startup-backend is left out of the update bot): a conflict, as git merge
    // would say. The other edited files merge: .gitlab-ci.yml, docker-compose.yml, the threshold in its moved rule file.
    await resolveConflicts(repo, result, ['README.md']);
    expect([...result.stdout.matchAll(/^MIGRATE +(\S+): /gm)].map((match) => match[1])).toEqual(['0.3.0']);
    expect(existsSync(path.join(repo, 'ops/prometheus/alerts.yml'))).toBe(false);
    // Both came from the registry into the cache: 0.2.1 for the base (replayed through its CLI: it has no
    // dist/render.js), 0.6.0 for theirs (rendered through its dist/render.js).
    const cached = (version: string, file: string) => existsSync(path.join(releaseCache, 'releases', version, 'node_modules/create-startup-backend', file));
    expect([cached('0.2.1', 'package.json'), cached('0.2.1', 'dist/render.js'), cached('0.6.0', 'dist/render.js')]).toEqual([true, false, true]);
    await expectUpgradedThenCommit(repo, teamLines, '0.6.0', { packageManager: 'pnpm' }, ['--to', '0.6.0']);
  }, 300_000);

  it('upgrades to this release: the base is 0.6.0\'s render, no migration runs again, no team line lost', async () => {
    const result = await upgrade(repo);
    // No conflict: README's last line changed again (it links the new Upgrading section), but the first step's
    // resolution kept both sides, so the team's notes sit above 0.6.0's version of that line, not next to the change.
    await resolveConflicts(repo, result, []);
    expect(result.stdout).toMatch(/^MERGE +README\.md$/m);
    expect(result.stdout).not.toMatch(/^MIGRATE /m);
    await expectUpgradedThenCommit(repo, teamLines, VERSION, { packageManager: 'pnpm' });
  }, 300_000);

  it('installs with pnpm from its lockfile, lints, type-checks and passes its tests, integration included, on Node 24', async () => {
    await expectGreen(repo, world, 'pnpm');
  }, 600_000);
});

describe('an npm repo made by 0.5.0: grpc + etcd + mysql + jenkins, a second service added by 0.5.0, upgraded to this release', () => {
  const combination: Combination = { rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'jenkins', service: 'orders' };
  let repo: string;
  let teamLines: Record<string, string[]>;

  beforeAll(async () => {
    repo = await createWithRelease('0.5.0', combination);
    // 0.5.0's own `add service`, as a team on 0.5.0 grows its repo (through npx: `--no-install` left the devDependency out).
    const added = await sh('npx', ['--yes', '--package', 'create-startup-backend@0.5.0', 'startup-backend', 'add', 'service', 'payments', '--no-install'], repo);
    expect(added.status, added.output).toBe(0);
    await commitAll(repo, 'add service payments');
    teamLines = teamEdits(repo, combination, { sharedAlertFile: false });
    await commitAll(repo, 'a year of team edits');
  }, 300_000);

  it('upgrades to this release: no team line lost, the deleted runbook stays deleted', async () => {
    const result = await upgrade(repo);
    // README ends with the Jenkins section's last sentence, where the team appended, and this release changed it
    // (`startup-backend upgrade` is no longer "planned"): a conflict. The Jenkinsfile and compose edits merge.
    await resolveConflicts(repo, result, ['README.md']);
    // 0.5.0 is past every migration (0.3.0's is the only one).
    expect(result.stdout).not.toMatch(/^MIGRATE /m);
    await expectUpgradedThenCommit(repo, teamLines, VERSION, { packageManager: 'npm', services: [{ name: 'orders' }, { name: 'payments' }] });
  }, 300_000);

  it('installs with its own lockfile, lints, type-checks and passes its tests, integration included, on Node 24', async () => {
    await expectGreen(repo, world, 'npm');
  }, 600_000);
});
