import { OverwriteStrategy, type Tree } from '@nx/devkit';
import type { ProjectAnswers } from '../shared/answers.js';
import { CHOICES } from '../shared/choices.js';
import { type ProjectVariables, renderFolderIfPresent, type ServiceVariables } from '../shared/render.js';
import { choiceFolder } from '../shared/stack.js';

/**
 * The compose stack's server config that belongs to one choice (MariaDB's audit plugin settings,
 * TiDB's config file): each choice keeps it in its own `stack/` folder, mounted by its
 * `choice.json` `stackMounts`, so the ops templates never branch on the database or registry.
 */
export function renderChoiceStackFiles(tree: Tree, answers: ProjectAnswers, variables: ProjectVariables): void {
  for (const { key: kind } of CHOICES) {
    renderFolderIfPresent(tree, [...choiceFolder(kind, answers[kind]), 'stack'], '.', variables, OverwriteStrategy.Overwrite);
  }
}

/**
 * A service's own ops files that depend on a choice (the gateway's route or listener for its RPC
 * framework), from that choice's `ops-service-files/` folder; `variables` hold the service's own choices.
 */
export function renderChoiceServiceFiles(tree: Tree, variables: ServiceVariables): void {
  for (const { key: kind } of CHOICES) {
    renderFolderIfPresent(tree, [...choiceFolder(kind, variables[kind]), 'ops-service-files'], '.', variables);
  }
}
