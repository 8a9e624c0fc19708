import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allCombinations } from '../../generators/lockfile/pool-manifest.js';
import { tempDir } from '../cli/run-cli.js';
import { replayDockerfileInstall } from '../support/dockerfile-replay.js';
import { answersFor, renderToDisk } from '../unit/fixtures.js';
import { node24Env } from '../support/node24.js';

/**
 * The lockfile a generated repo ships is the one npm itself would write for that tree: npm, asked to
 * bring it up to date against the registry, leaves every byte as it is, for every combination, under
 * the repo's own .npmrc alone (an empty user config). So `npm install` after `--no-install` gives
 * the tree this project's CI tested, and the first install leaves git clean.
 */
function npm(args: string[], cwd: string) {
  const userconfig = path.join(cwd, '..', 'empty-npmrc');
  writeFileSync(userconfig, '');
  const result = spawnSync('npm', args, {
    cwd,
    env: node24Env({ ...process.env, npm_config_userconfig: userconfig, npm_config_fund: 'false', npm_config_audit: 'false' }),
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('the generated package-lock.json (npm, Node 24)', () => {
  it.each(allCombinations().map((c) => [`${c.rpc}-${c.discovery}-${c.db}-${c.ci}`, c] as const))(
    '%s with two services: npm rewrites it byte for byte',
    (_label, choices) => {
      const dir = renderToDisk(path.join(tempDir('csb-lock-'), 'app'), { ...answersFor(choices, ['api', 'order-book']), projectName: 'app' });
      const shipped = readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
      const result = npm(['install', '--package-lock-only', '--ignore-scripts'], dir);
      expect(result.status, result.output).toBe(0);
      expect(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).toBe(shipped);
    },
    120_000,
  );

  it.each(['build', 'runtime'] as const)('installs with npm ci as the %s stage of a service\'s Dockerfile does: no other service present', (stage) => {
    const dir = renderToDisk(path.join(tempDir('csb-lock-docker-'), 'app'), { ...answersFor({}, ['api', 'ledger']), projectName: 'app' });
    const replay = replayDockerfileInstall(dir, 'services/ledger/Dockerfile', stage);
    expect(replay.status, replay.output).toBe(0);
    expect(replay.commands.join('\n')).toMatch(/npm ci --workspace=@app\/ledger/);
    const tree = npm(['ls', '--all', '--workspace=@app/ledger', ...(stage === 'build' ? ['--include-workspace-root'] : ['--omit=dev'])], replay.context);
    expect(tree.status, tree.output).toBe(0);
  }, 300_000);
});
