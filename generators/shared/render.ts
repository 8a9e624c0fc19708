import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { OverwriteStrategy, type Tree } from '@nx/devkit';
import type { ProjectAnswers, ServiceAnswers } from './answers.js';
import type { ChoiceKey } from './choices.js';
import { serviceNames, type ServiceNames } from './names.js';
import { packageManagerCommands, packageManagerFolder, type PackageManagerCommands } from './package-manager-commands.js';
import { templateDir } from './paths.js';
import { generateFromFolder } from './template-folder.js';
import {
  choiceFolder, stackContainers, stackDependencies, stackManifests, type ContainerSpec, type StackManifests,
} from './stack.js';
import { DEPENDENCY_VERSIONS, IMAGE_TAGS, type DependencyName } from './versions.js';

/** What every service depends on whatever the stack; each choice adds its own in its choice.json. */
const BASE_SERVICE_DEPENDENCIES: DependencyName[] = ['pino', 'prom-client', 'zod'];

export interface ProjectVariables extends ProjectAnswers {
  versions: typeof DEPENDENCY_VERSIONS;
  images: typeof IMAGE_TAGS;
  /** The manifest (choice.json) of each chosen value. */
  stack: StackManifests;
  /** The repo's package manager: its lockfile and the commands the templates write. */
  pm: PackageManagerCommands;
  /** The database and registry servers, for CI and compose templates. */
  containers: Array<ContainerSpec & { imageTag: string }>;
  /** Every service with all its name spellings and ports, for root files that list them. */
  serviceList: Array<ServiceNames & ServiceAnswers>;
  /**
   * Renders `partials/<name>.ejs` of the chosen value of `kind` (or of the ops
   * layer, `templates/ops/partials/`, for the compose stack's profiles), with the same variables
   * and any `extra` ones.
   */
  partial(kind: ChoiceKey | 'ops' | 'packageManager', name: string, extra?: object): string;
  /** `name: version` pairs of the service's dependencies, as an indented JSON object. */
  dependenciesJson(field: 'dependencies' | 'devDependencies', indent: string): string;
}

export interface ServiceVariables extends ProjectVariables {
  service: ServiceNames & ServiceAnswers;
  /** For `__serviceName__` path segments (a service's own ops and CI files). */
  serviceName: string;
  /** For `__serviceSnakeName__` path segments (IDL file names). */
  serviceSnakeName: string;
}

/** `extra`: variables of one generator (the ops layer's Grafana links), visible to its partials too. */
export function projectVariables<Extra extends object = object>(
  answers: ProjectAnswers,
  extra?: Extra,
): ProjectVariables & Extra {
  const stack = stackManifests(answers);
  return withPartials<Omit<ProjectVariables, 'partial'> & Extra>({
    ...(extra as Extra),
    ...answers,
    versions: DEPENDENCY_VERSIONS,
    images: IMAGE_TAGS,
    stack,
    pm: packageManagerCommands(answers.packageManager),
    containers: stackContainers(stack),
    serviceList: answers.services.map((s) => ({ ...s, ...serviceNames(s.name) })),
    dependenciesJson(field, indent) {
      const names = stackDependencies(stack, field === 'dependencies' ? BASE_SERVICE_DEPENDENCIES : [], field);
      const entries = Object.fromEntries(names.map((name) => [name, DEPENDENCY_VERSIONS[name]]));
      return JSON.stringify(entries, null, 2).replace(/\n/g, `\n${indent}`);
    },
  });
}

export function serviceVariables(answers: ProjectAnswers, service: ServiceAnswers): ServiceVariables {
  const names = serviceNames(service.name);
  const { partial: _projectPartial, ...project } = projectVariables(answers);
  return withPartials({ ...project, service: { ...service, ...names }, serviceName: names.name, serviceSnakeName: names.snakeName });
}

/**
 * Partials see the variables of the template that includes them; included from
 * a root file, `service` is the first service, the one root docs use as example.
 */
function withPartials<T extends Omit<ProjectVariables, 'partial'>>(variables: T): T & Pick<ProjectVariables, 'partial'> {
  const withPartial = variables as T & Pick<ProjectVariables, 'partial'>;
  withPartial.partial = (kind, name, extra) => {
    const folder =
      kind === 'ops' ? ['ops'] : kind === 'packageManager' ? packageManagerFolder(variables.pm.name) : choiceFolder(kind, variables[kind]);
    return compiledPartial(path.join(templateDir(...folder), 'partials', `${name}.ejs`))(extra ? { ...locals, ...extra } : locals);
  };
  // Built after `partial` is set, so a partial can include another one.
  const locals = 'service' in variables ? withPartial : { service: variables.serviceList[0], ...withPartial };
  return withPartial;
}

// A partial is included once per service and per file that uses it: read and compile it once.
const partials = new Map<string, ejs.TemplateFunction>();

function compiledPartial(file: string): ejs.TemplateFunction {
  let template = partials.get(file);
  if (!template) {
    template = ejs.compile(readFileSync(file, 'utf8'), { filename: file });
    partials.set(file, template);
  }
  return template;
}

/**
 * Renders one template folder (under templates/) into the tree. File names use
 * Nx's generateFiles conventions: `__dot__` for a leading dot (npm publish drops or acts on
 * real dotfiles) and `__tmpl__` as an inert suffix.
 */
export function renderFolder(
  tree: Tree,
  folder: readonly string[],
  target: string,
  variables: object,
  overwriteStrategy: OverwriteStrategy = OverwriteStrategy.ThrowIfExisting,
): void {
  generateFromFolder(tree, templateDir(...folder), target, { tmpl: '', dot: '.', ...variables }, overwriteStrategy);
}

/** A folder only some choices have (a choice's `stack/`, a package manager's `files/`): rendered when present. */
export function renderFolderIfPresent(
  tree: Tree,
  folder: readonly string[],
  target: string,
  variables: object,
  overwriteStrategy?: OverwriteStrategy,
): void {
  if (existsSync(templateDir(...folder))) renderFolder(tree, folder, target, variables, overwriteStrategy);
}
