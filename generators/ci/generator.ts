import { OverwriteStrategy, type Tree } from '@nx/devkit';
import { projectVariables, renderFolder, renderFolderIfPresent, serviceVariables } from '../shared/render.js';
import { choiceFolder } from '../shared/stack.js';
import type { CiGeneratorSchema } from './schema.js';

/**
 * The pipeline of the chosen CI. What each service adds is a file of its own where the CI allows it
 * (`service-files/`: GitLab's included build jobs), so adding a service changes as few shared lines as it can.
 */
export function ciGenerator(tree: Tree, answers: CiGeneratorSchema): void {
  const folder = choiceFolder('ci', answers.ci);
  renderFolder(tree, [...folder, 'files'], '.', projectVariables(answers), OverwriteStrategy.Overwrite);
  for (const service of answers.services) {
    renderFolderIfPresent(tree, [...folder, 'service-files'], '.', serviceVariables(answers, service));
  }
}

export default ciGenerator;
