import { OverwriteStrategy, type Tree } from '@nx/devkit';
import { projectVariables, renderFolder } from '../shared/render.js';
import type { OpsGeneratorSchema } from './schema.js';

/**
 * Everything that runs, watches and guards the backend rather than being part of
 * it: the compose stack and its profiles, Prometheus rules, dashboards, runbooks,
 * on-call docs and the review policy. Every file lists the services, so it is
 * re-rendered as services are added.
 */
export function opsGenerator(tree: Tree, answers: OpsGeneratorSchema): void {
  renderFolder(tree, ['ops', 'files'], '.', projectVariables(answers), OverwriteStrategy.Overwrite);
}

export default opsGenerator;
