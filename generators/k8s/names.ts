import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { ContainerSpec } from '../shared/stack.js';
import type { ServiceVariables } from '../shared/render.js';

/** Where everything goes, from the repo root. */
export const K8S_ROOT = 'deploy/k8s';
export const ENVIRONMENTS = ['staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const overlayDir = (environment: Environment) => `${K8S_ROOT}/overlays/${environment}`;

/**
 * The tag every base manifest names; each overlay's `images:` replaces it with the tag the pipeline
 * pushed (kustomize edit set image). Not `latest`, and obviously not a real build.
 */
export const IMAGE_TAG_PLACEHOLDER = 'replace-with-image-tag';

export const PORT_NAMES = { rpc: 'rpc', http: 'http' } as const;
export const HTTP_PATHS = { readiness: '/readyz', liveness: '/healthz', metrics: '/metrics' } as const;

/** The Secrets the manifests read, never write: the staging overlay generates them, production's store provides them. */
export const secretNames = (service: string) => ({ database: `${service}-database`, migration: `${service}-migration` });
export const migrateName = (service: string) => `${service}-migrate`;

/** The name the base gives the image; the overlays map it to the registry path the CI pipeline pushes to. */
export const baseImageName = (variables: ServiceVariables) => `${variables.projectName}/${variables.service.name}`;

/** The services' pods, and staging's own servers (staging-servers.ts). */
export type Component = 'server' | 'migration' | 'database' | 'registry';

/** The identity labels: selectors use these, which never change over a Deployment's life. */
export function selectorLabels(name: string, component: Component): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': component };
}

/** Kubernetes' recommended labels of any part of the project. */
export function partLabels(projectName: string, name: string, component: Component, version: string): Record<string, string> {
  return {
    ...selectorLabels(name, component),
    'app.kubernetes.io/part-of': projectName,
    'app.kubernetes.io/managed-by': 'kustomize',
    'app.kubernetes.io/version': version,
  };
}

/** A service's recommended labels; `version` is the service's package.json version. */
export function recommendedLabels(variables: ServiceVariables, component: Component): Record<string, string> {
  return partLabels(variables.projectName, variables.service.name, component, SERVICE_PACKAGE_VERSION);
}

/** templates/service/base/package.json's `version`, which every service starts at. */
export const SERVICE_PACKAGE_VERSION = '0.1.0';

export function metadata(variables: ServiceVariables, name: string, component: Component = 'server'): ObjectMeta {
  return { name, labels: recommendedLabels(variables, component) };
}

export function databaseContainer(variables: ServiceVariables): ContainerSpec & { admin: NonNullable<ContainerSpec['admin']> } {
  const db = variables.stack.db.container;
  if (!db?.admin) throw new Error(`db choice ${variables.db} has no container with an admin account`);
  return db as ContainerSpec & { admin: NonNullable<ContainerSpec['admin']> };
}

export function registryContainer(variables: ServiceVariables): ContainerSpec {
  const registry = variables.stack.discovery.container;
  if (!registry) throw new Error(`discovery choice ${variables.discovery} has no container`);
  return registry;
}

/** A choice's `{host}`-style placeholders filled in. */
export function fillPlaceholders(template: string, values: Record<string, string>): string {
  return template.replace(/\{(host|user|password|database)\}/g, (whole, key: string) => values[key] ?? whole);
}
