import type { Tree } from '@nx/devkit';
import { packageManagerFolder } from '../shared/package-manager-commands.js';
import { writeAnswers } from '../shared/answers.js';
import { projectVariables, renderFolder, renderFolderIfPresent } from '../shared/render.js';
import { ciGenerator } from '../ci/generator.js';
import { lockfileGenerator, type LockfileOptions } from '../lockfile/generator.js';
import { k8sGenerator } from '../k8s/generator.js';
import { opsGenerator } from '../ops/generator.js';
import { serviceGenerator } from '../service/generator.js';
import { writeLocalEnvFiles, type LocalEnvReport } from './local-env.js';
import type { WorkspaceGeneratorSchema } from './schema.js';

export interface WorkspaceOptions extends LockfileOptions {
  lockfile?: boolean;
}

/**
 * The whole repository from the answers alone: the root files, every service,
 * the CI pipeline, the ops layer, the Kubernetes manifests and the answers file. `upgrade` relies on this being a pure
 * function of the answers and the template version.
 */
export function workspaceGenerator(
  tree: Tree,
  answers: WorkspaceGeneratorSchema,
  // `lockfile` is off only while the lockfile pool itself is being refreshed from the rendered manifests.
  { lockfile = true, ...lockfileOptions }: WorkspaceOptions = {},
): () => LocalEnvReport {
  const variables = projectVariables(answers);
  renderFolder(tree, ['workspace'], '.', variables);
  renderFolderIfPresent(tree, [...packageManagerFolder(variables.pm.name), 'files'], '.', variables);
  for (const service of answers.services) {
    serviceGenerator(tree, { answers, service });
  }
  ciGenerator(tree, answers);
  opsGenerator(tree, answers);
  k8sGenerator(tree, answers);
  writeAnswers(tree, answers);
  if (lockfile) lockfileGenerator(tree, answers, lockfileOptions);
  // Secrets never go through the tree: they are written after the flush, uncommitted.
  return () => writeLocalEnvFiles(tree.root, tree.listChanges().map((change) => change.path));
}

export default workspaceGenerator;
