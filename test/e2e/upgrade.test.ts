import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STARTUP_BACKEND_BIN } from '../cli/run-cli.js';
import {
  commitAll, createWithRelease, expectGreen, expectUpgradedThenCommit, integrationEnv, read, resolveConflicts, sh, startWorld, stopWorld,
  teamEdits, upgrade, VERSION, type Combination, type UpgradeWorld,
} from '../support/upgrade-e2e.js';

/**
 * Across real releases: 0.1.0 built from the commit docs/releases.json records, published with this
 * release to a local registry (Verdaccio on loopback); repos made by 0.1.0 through `npx` in four
 * combinations get the team edits of a year (a line in a service's source, lines appended to README,
 * compose and the pipeline, a new file, a deleted runbook), then `startup-backend upgrade` of this release,
 * which fetches 0.1.0 from the registry to render the base. No team line is lost, the deleted runbook
 * stays deleted, and the upgraded repo installs, lints, type-checks and passes its tests, integration
 * included, on Node 24 (Consul through its contract fake, TiDB through MariaDB).
 */
const OLD = '0.1.0';
const COMBINATIONS: Combination[] = [
  { rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab', service: 'orders' },
  { rpc: 'thrift', discovery: 'etcd', db: 'tidb', ci: 'jenkins', service: 'ledger' },
  { rpc: 'grpc', discovery: 'consul', db: 'tidb', ci: 'jenkins', service: 'order-book' },
  { rpc: 'thrift', discovery: 'consul', db: 'mysql', ci: 'gitlab', service: 'billing' },
];

let world: UpgradeWorld;

beforeAll(async () => {
  world = await startWorld([OLD]);
}, 600_000);

afterAll(async () => {
  await stopWorld(world ?? {});
});

describe.each(COMBINATIONS)(`a repo made by ${OLD}: $rpc + $discovery + $db + $ci, service $service`, (combination) => {
  let repo: string;
  let teamLines: Record<string, string[]>;

  beforeAll(async () => {
    repo = await createWithRelease(OLD, combination);
    teamLines = teamEdits(repo, combination, { sharedAlertFile: true });
    await commitAll(repo, 'a year of team edits');
  }, 300_000);

  it(`upgrades to this release: no team line lost, the deleted runbook stays deleted, conflicts only where both changed the same lines`, async () => {
    const result = await upgrade(repo);
    // README's last section changed since 0.1.0, right where the team appended: a conflict, as git merge would say.
    await resolveConflicts(repo, result, ['README.md']);
    expect(existsSync(path.join(repo, 'ops/prometheus/alerts.yml'))).toBe(false);
    expect(result.stdout).toMatch(/^MIGRATE +0\.3\.0: /m);
    // Once committed, the same command has nothing left to do.
    await expectUpgradedThenCommit(repo, teamLines, VERSION, { packageManager: 'npm' });
  }, 300_000);

  it('installs with its own lockfile, lints, type-checks and passes its tests, integration included, on Node 24', async () => {
    await expectGreen(repo, world, 'npm');
  }, 600_000);

  if (combination.db === 'mysql') {
    it('--set db=tidb with the team\'s edits, then green; --set db=mysql back gives the same files', async () => {
      const before = (await sh('git', ['rev-parse', 'HEAD'], repo)).stdout.trim();
      const toTidb = await sh(process.execPath, [STARTUP_BACKEND_BIN, 'upgrade', '--set', 'db=tidb'], repo);
      expect(toTidb.status, toTidb.output).toBe(0);
      expect(read(repo, 'docker-compose.yml')).toContain('  redis:');
      const tests = await sh('npm', ['test'], repo, integrationEnv(world));
      expect(tests.status, tests.output).toBe(0);
      await commitAll(repo, 'tidb');
      const back = await sh(process.execPath, [STARTUP_BACKEND_BIN, 'upgrade', '--set', 'db=mysql', '--no-install'], repo);
      expect(back.status, back.output).toBe(0);
      expect((await sh('git', ['add', '--all'], repo)).status).toBe(0);
      expect((await sh('git', ['diff', '--cached', '--stat', before], repo)).stdout).toBe('');
    }, 600_000);
  }
});
