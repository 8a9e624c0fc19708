import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FsTree, flushChanges } from 'nx/src/generators/tree.js';
import { DEFAULT_CHOICES, type RpcFramework, type StackChoices } from '../../generators/shared/choices.js';
import { nextService, type ProjectAnswers } from '../../generators/shared/answers.js';
import { TEMPLATE_VERSION } from '../../generators/shared/paths.js';
import { workspaceGenerator } from '../../generators/workspace/generator.js';

/** A service written `name:thrift` is of that framework instead of the project's (`add service --rpc`). */
export function answersFor(choices: Partial<StackChoices> = {}, serviceNamesList = ['api']): ProjectAnswers {
  const project = { ...DEFAULT_CHOICES, ...choices };
  const services = serviceNamesList.reduce<ProjectAnswers['services']>((list, spec) => {
    const [name, rpc] = spec.split(':') as [string, RpcFramework | undefined];
    return [...list, nextService(name, list, rpc === project.rpc ? undefined : rpc)];
  }, []);
  return { templateVersion: TEMPLATE_VERSION, projectName: 'acme', ...project, services };
}

/** An in-memory tree over an empty virtual root, as Nx's createTreeWithEmptyWorkspace without nx.json. */
export function emptyTree(): FsTree {
  return new FsTree('/virtual-nonexistent-root', false);
}

export function renderedFiles(tree: FsTree): Map<string, Buffer> {
  return new Map(
    tree
      .listChanges()
      .filter((change) => change.type !== 'DELETE')
      .map((change) => [change.path, change.content ?? Buffer.alloc(0)]),
  );
}

/** Writes rendered files (path → content) under `dir`, creating folders; returns `dir`. */
export function writeFiles(dir: string, files: ReadonlyMap<string, Buffer | string>): string {
  for (const [file, content] of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

/** The published tarball's (test/support/registry-setup.ts), which pnpm repos' lockfiles record. */
export function testScaffolderIntegrity(): string {
  const integrity = process.env.CSB_TEST_SCAFFOLDER_INTEGRITY;
  if (!integrity) throw new Error('CSB_TEST_SCAFFOLDER_INTEGRITY is unset: run the tests through vitest.config.ts (its globalSetup)');
  return integrity;
}

/** Renders the whole repository onto disk at `dir`, `.env` files included, as `create --no-install --no-git` does. */
export function renderToDisk(dir: string, answers: ProjectAnswers): string {
  const tree = new FsTree(dir, false);
  const writeLocalEnv = workspaceGenerator(tree, answers, { scaffolderIntegrity: testScaffolderIntegrity() });
  flushChanges(dir, tree.listChanges());
  writeLocalEnv();
  return dir;
}
