import { OverwriteStrategy, type Tree } from '@nx/devkit';
import { projectVariables, renderFolder } from '../shared/render.js';
import { choiceFolder } from '../shared/stack.js';
import type { CiGeneratorSchema } from './schema.js';

/** The pipeline file for the chosen CI; it lists every service, so it is re-rendered as services are added. */
export function ciGenerator(tree: Tree, answers: CiGeneratorSchema): void {
  renderFolder(tree, [...choiceFolder('ci', answers.ci), 'files'], '.', projectVariables(answers), OverwriteStrategy.Overwrite);
}

export default ciGenerator;
