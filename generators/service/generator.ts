import type { Tree } from '@nx/devkit';
import { renderFolder, serviceVariables } from '../shared/render.js';
import { choiceFolder } from '../shared/stack.js';
import type { ServiceGeneratorSchema } from './schema.js';

/**
 * A service is the shared base plus one layer per stack choice; the layers
 * never write the same file, so a choice's code lives in exactly one folder.
 */
export function serviceGenerator(tree: Tree, { answers, service }: ServiceGeneratorSchema): void {
  const target = `services/${service.name}`;
  const variables = serviceVariables(answers, service);
  const layers = [
    ['service', 'base'],
    ...(['rpc', 'discovery', 'db'] as const).map((kind) => [...choiceFolder(kind, answers[kind]), 'files']),
  ];
  for (const layer of layers) {
    renderFolder(tree, layer, target, variables);
  }
}

export default serviceGenerator;
