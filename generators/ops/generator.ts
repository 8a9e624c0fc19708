import { OverwriteStrategy, type Tree } from '@nx/devkit';
import { projectVariables, renderFolder, serviceVariables } from '../shared/render.js';
import { renderChoiceServiceFiles, renderChoiceStackFiles } from './choice-stack-files.js';
import { dashboardJson, dashboardPath, dashboardUrl, PROMETHEUS_DATASOURCE_UID } from './dashboard.js';
import type { OpsGeneratorSchema } from './schema.js';

/**
 * Everything that runs, watches and guards the backend rather than being part of
 * it: the compose stack and its profiles, Prometheus rules, dashboards, runbooks,
 * on-call docs and the review policy. Every file lists the services, so it is
 * re-rendered as services are added.
 */
export function opsGenerator(tree: Tree, answers: OpsGeneratorSchema): void {
  const grafana = { datasourceUid: PROMETHEUS_DATASOURCE_UID, dashboardUrl };
  const variables = projectVariables(answers, { grafana });
  renderFolder(tree, ['ops', 'files'], '.', variables, OverwriteStrategy.Overwrite);
  // Each service's own files (alert rules and their tests, scrape targets, gateway route, dashboard): adding a service
  // adds files instead of changing lines a team may have edited.
  for (const service of answers.services) {
    const perService = { ...serviceVariables(answers, service), grafana };
    renderFolder(tree, ['ops', 'service-files'], '.', perService);
    renderChoiceServiceFiles(tree, perService);
    // Built as a typed object rather than templated JSON.
    tree.write(dashboardPath(service.name), dashboardJson(service.name));
  }
  renderChoiceStackFiles(tree, answers, variables);
}

export default opsGenerator;
