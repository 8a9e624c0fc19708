import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FsTree, flushChanges } from 'nx/src/generators/tree.js';
import { describe, expect, it } from 'vitest';
import { allCombinations } from '../../generators/lockfile/pool-manifest.js';
import { nextService, type ProjectAnswers } from '../../generators/shared/answers.js';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { tempDir } from '../cli/run-cli.js';
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

function render(dir: string, answers: ProjectAnswers) {
  const tree = new FsTree(dir, false);
  workspaceGenerator(tree, answers);
  flushChanges(dir, tree.listChanges());
}

describe('the generated package-lock.json (npm, Node 24)', () => {
  it.each(allCombinations().map((c) => [`${c.rpc}-${c.discovery}-${c.db}-${c.ci}`, c] as const))(
    '%s with two services: npm rewrites it byte for byte',
    (_label, choices) => {
      const dir = path.join(tempDir('csb-lock-'), 'app');
      const services = [nextService('api', [])];
      services.push(nextService('order-book', services));
      render(dir, { templateVersion: '0.0.0', projectName: 'app', ...choices, services });
      const shipped = readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
      const result = npm(['install', '--package-lock-only', '--ignore-scripts'], dir);
      expect(result.status, result.output).toBe(0);
      expect(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).toBe(shipped);
    },
    120_000,
  );

  it('installs with npm ci as each service\'s Dockerfile does: the root and that one workspace, no other service present', () => {
    const dir = path.join(tempDir('csb-lock-docker-'), 'app');
    const services = [nextService('api', [])];
    services.push(nextService('ledger', services));
    render(dir, { templateVersion: '0.0.0', projectName: 'app', rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab', services });
    const dockerfile = readFileSync(path.join(dir, 'services/ledger/Dockerfile'), 'utf8');
    // The build stage's COPY lines before its `npm ci`, replayed into an empty build context.
    const buildStage = dockerfile.slice(0, dockerfile.indexOf('\nFROM', dockerfile.indexOf('FROM') + 1));
    const context = path.join(tempDir('csb-lock-context-'), 'app');
    const install = buildStage.match(/^RUN (npm ci .*)$/m)?.[1];
    expect(install, 'the build stage installs with npm ci').toBeDefined();
    for (const [, sources, destination] of buildStage.slice(0, buildStage.indexOf(install!)).matchAll(/^COPY (.+) (\S+)$/gm)) {
      for (const source of sources!.split(' ')) {
        const target = destination!.endsWith('/') ? path.join(context, destination!, path.basename(source)) : path.join(context, destination!);
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(path.join(dir, source), target);
      }
    }
    const result = npm(install!.split(' ').slice(1), context);
    expect(result.status, result.output).toBe(0);
    const tree = npm(['ls', '--all', '--workspace=@app/ledger', '--include-workspace-root'], context);
    expect(tree.status, tree.output).toBe(0);
  }, 300_000);
});
