import path from 'node:path';
import { OverwriteStrategy, type Tree } from '@nx/devkit';
import { rpcFrameworksInUse, serviceRpc, type ProjectAnswers, type ServiceAnswers } from './answers.js';
import type { ChoiceKey, RpcFramework } from './choices.js';
import { serviceNames, type ServiceNames } from './names.js';
import { packageManagerCommands, packageManagerFolder, type PackageManagerCommands } from './package-manager-commands.js';
import { templateDir } from './paths.js';
import { compiledTemplate, templateFolderExists } from './compiled-templates.js';
import { generateFromFolder } from './template-folder.js';
import {
  choiceFolder, choiceManifest, stackContainers, stackDependencies, stackManifests, type ChoiceManifest, type ContainerSpec,
  type StackManifests,
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
  /** Every service with all its name spellings, its framework and ports, for root files that list them. */
  serviceList: ListedService[];
  /** Each RPC framework the services use, with its manifest and its services (see rpcFrameworksInUse). */
  rpcStacks: Array<{ rpc: RpcFramework; manifest: ChoiceManifest; services: ListedService[] }>;
  /**
   * Renders `partials/<name>.ejs` of the chosen value of `kind` (or of the ops
   * layer, `templates/ops/partials/`, for the compose stack's profiles), with the same variables
   * and any `extra` ones.
   */
  partial(kind: ChoiceKey | 'ops' | 'packageManager', name: string, extra?: object): string;
  /**
   * Renders the `rpc` partial `name` of each framework in use, one after the other, each seeing only
   * its own services (`serviceList`, and `service` its first one) and `rpcSection`: "RPC" for the first
   * framework, "RPC: <label>" for the others (a README section title); `separator` goes between them.
   */
  partialForEachRpc(name: string, separator?: string): string;
  /** `name: version` pairs of the service's dependencies, as an indented JSON object. */
  dependenciesJson(field: 'dependencies' | 'devDependencies', indent: string): string;
}

export type ListedService = ServiceNames & ServiceAnswers & { rpc: RpcFramework };

export interface ServiceVariables extends ProjectVariables {
  service: ListedService;
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
  return withPartials(variablesOf(answers, answers.rpc, extra));
}

/** A service's files see its own framework as `rpc` and `stack.rpc`, whatever the project's default. */
export function serviceVariables(answers: ProjectAnswers, service: ServiceAnswers): ServiceVariables {
  const names = serviceNames(service.name);
  const project = variablesOf(answers, serviceRpc(answers, service));
  return withPartials({ ...project, service: { ...service, ...names, rpc: project.rpc }, serviceName: names.name, serviceSnakeName: names.snakeName });
}

function variablesOf<Extra extends object>(
  answers: ProjectAnswers,
  rpc: RpcFramework,
  extra?: Extra,
): Omit<ProjectVariables, 'partial' | 'partialForEachRpc'> & Extra {
  const stack = stackManifests({ ...answers, rpc });
  const serviceList = answers.services.map((s) => ({ ...s, ...serviceNames(s.name), rpc: serviceRpc(answers, s) }));
  return {
    ...(extra as Extra),
    ...answers,
    rpc,
    versions: DEPENDENCY_VERSIONS,
    images: IMAGE_TAGS,
    stack,
    pm: packageManagerCommands(answers.packageManager),
    containers: stackContainers(stack),
    serviceList,
    rpcStacks: rpcFrameworksInUse(answers).map((framework) => ({
      rpc: framework,
      manifest: choiceManifest('rpc', framework),
      services: serviceList.filter((s) => s.rpc === framework),
    })),
    dependenciesJson(field, indent) {
      const names = stackDependencies(stack, field === 'dependencies' ? BASE_SERVICE_DEPENDENCIES : [], field);
      const entries = Object.fromEntries(names.map((name) => [name, DEPENDENCY_VERSIONS[name]]));
      return JSON.stringify(entries, null, 2).replace(/\n/g, `\n${indent}`);
    },
  };
}

type WithPartials = Pick<ProjectVariables, 'partial' | 'partialForEachRpc'>;

/**
 * Partials see the variables of the template that includes them; included from
 * a root file, `service` is the first service, the one root docs use as example.
 */
function withPartials<T extends Omit<ProjectVariables, 'partial' | 'partialForEachRpc'>>(variables: T): T & WithPartials {
  const withPartial = variables as T & WithPartials;
  const render = (folder: readonly string[], name: string, locals: object) =>
    compiledTemplate(path.join(templateDir(...folder), 'partials', `${name}.ejs`))(locals);
  withPartial.partial = (kind, name, extra) => {
    const folder =
      kind === 'ops' ? ['ops'] : kind === 'packageManager' ? packageManagerFolder(variables.pm.name) : choiceFolder(kind, variables[kind]);
    return render(folder, name, extra ? { ...locals, ...extra } : locals);
  };
  withPartial.partialForEachRpc = (name, separator = '') =>
    variables.rpcStacks
      .map(({ rpc, manifest, services }, index) =>
        render(choiceFolder('rpc', rpc), name, {
          ...locals,
          rpc,
          stack: { ...variables.stack, rpc: manifest },
          serviceList: services,
          service: services[0],
          rpcSection: index === 0 ? 'RPC' : `RPC: ${manifest.label}`,
        }),
      )
      .join(separator);
  // Built after `partial` is set, so a partial can include another one.
  const locals = 'service' in variables ? withPartial : { service: variables.serviceList[0], ...withPartial };
  return withPartial;
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
  if (templateFolderExists(templateDir(...folder))) renderFolder(tree, folder, target, variables, overwriteStrategy);
}
