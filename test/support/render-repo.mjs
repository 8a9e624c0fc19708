#!/usr/bin/env node
// Renders a repository from answers, bypassing the CLI's "available" check: for template authors
// working on a choice that is not released yet, and for the matrix tests. Needs `npm run build`.
// Usage: node test/support/render-repo.mjs <dir> [--rpc grpc] [--discovery etcd] [--db mysql] [--ci gitlab]
//        [--package-manager npm|pnpm] [--service api[,other[:thrift]]] [--project name]
// A service written `name:rpc` is of that framework instead of the project's (`add service --rpc`).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { FsTree, flushChanges } = await import('nx/src/generators/tree.js');
const { workspaceGenerator } = await import(path.join(root, 'dist/generators/workspace/generator.js'));
const { nextService } = await import(path.join(root, 'dist/generators/shared/answers.js'));
const { TEMPLATE_VERSION } = await import(path.join(root, 'dist/generators/shared/paths.js'));

export function renderRepo(dir, { rpc = 'grpc', discovery = 'etcd', db = 'mysql', ci = 'gitlab', packageManager = 'npm', services = ['api'], projectName } = {}) {
  const target = path.resolve(dir);
  const answers = {
    templateVersion: TEMPLATE_VERSION,
    projectName: projectName ?? path.basename(target),
    rpc, discovery, db, ci, packageManager,
    services: services.reduce((list, spec) => {
      const [name, serviceRpc] = spec.split(':');
      return [...list, nextService(name, list, serviceRpc === undefined || serviceRpc === rpc ? undefined : serviceRpc)];
    }, []),
  };
  const tree = new FsTree(target, false);
  // A pnpm lockfile records the integrity of the scaffolder release (test/support/registry-setup.ts).
  const writeLocalEnv = workspaceGenerator(tree, answers, { scaffolderIntegrity: process.env.CSB_TEST_SCAFFOLDER_INTEGRITY });
  flushChanges(target, tree.listChanges());
  writeLocalEnv();
  return target;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values: args, positionals } = parseArgs({
    options: Object.fromEntries(['rpc', 'discovery', 'db', 'ci', 'package-manager', 'service', 'project'].map((flag) => [flag, { type: 'string' }])),
    allowPositionals: true,
  });
  const dir = positionals[0] ?? '';
  if (!dir) {
    console.error('usage: render-repo.mjs <dir> [--rpc ..] [--discovery ..] [--db ..] [--ci ..] [--service a,b]');
    process.exit(1);
  }
  const rendered = renderRepo(dir, {
    rpc: args.rpc, discovery: args.discovery, db: args.db, ci: args.ci, packageManager: args['package-manager'],
    services: args.service ? args.service.split(',') : undefined, projectName: args.project,
  });
  console.log(`rendered ${rendered}`);
}
