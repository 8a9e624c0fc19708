import { generateFiles, OverwriteStrategy, type Tree } from '@nx/devkit';
import type { ProjectAnswers, ServiceAnswers } from './answers.js';
import { serviceNames, type ServiceNames } from './names.js';
import { templateDir } from './paths.js';
import { DEPENDENCY_VERSIONS, IMAGE_TAGS } from './versions.js';

export interface ProjectVariables extends ProjectAnswers {
  versions: typeof DEPENDENCY_VERSIONS;
  images: typeof IMAGE_TAGS;
  /** Every service with all its name spellings and ports, for root files that list them. */
  serviceList: Array<ServiceNames & ServiceAnswers>;
}

export interface ServiceVariables extends ProjectVariables {
  service: ServiceNames & ServiceAnswers;
  /** For `__serviceSnakeName__` path segments (IDL file names). */
  serviceSnakeName: string;
}

export function projectVariables(answers: ProjectAnswers): ProjectVariables {
  return {
    ...answers,
    versions: DEPENDENCY_VERSIONS,
    images: IMAGE_TAGS,
    serviceList: answers.services.map((s) => ({ ...s, ...serviceNames(s.name) })),
  };
}

export function serviceVariables(answers: ProjectAnswers, service: ServiceAnswers): ServiceVariables {
  const names = serviceNames(service.name);
  return { ...projectVariables(answers), service: { ...service, ...names }, serviceSnakeName: names.snakeName };
}

/**
 * Renders one template folder (under templates/) into the tree. File names use
 * Nx's conventions: `__dot__` for a leading dot (npm publish drops or acts on
 * real dotfiles) and `__tmpl__` as an inert suffix.
 */
export function renderFolder(
  tree: Tree,
  folder: readonly string[],
  target: string,
  variables: object,
  overwriteStrategy: OverwriteStrategy = OverwriteStrategy.ThrowIfExisting,
): void {
  generateFiles(tree, templateDir(...folder), target, { tmpl: '', dot: '.', ...variables }, { overwriteStrategy });
}
