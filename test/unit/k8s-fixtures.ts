import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parseAllDocuments } from 'yaml';
import { allCombinations } from '../../generators/lockfile/pool-manifest.js';
import type { StackChoices } from '../../generators/shared/choices.js';
import { workspaceGenerator } from '../../generators/workspace/generator.js';
import { pinnedKustomize } from '../support/kustomize.js';
import { answersFor, emptyTree, renderedFiles, writeFiles } from './fixtures.js';

/** No cluster runs in these tests: resources are checked against the API schemas and rendered by kustomize only. */
export interface K8sResource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; namespace?: string };
  [field: string]: unknown;
}

/** The kubernetes-models class of every kind the manifests hold: validate() checks against the API's OpenAPI schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

export function validateResource(resource: K8sResource): void {
  const Model = MODELS[`${resource.apiVersion}/${resource.kind}`];
  if (!Model) throw new Error(`no kubernetes-models class for ${resource.apiVersion} ${resource.kind}`);
  new Model(resource as never).validate();
}

/** The resource of that kind and name; throws, naming it, when there is none. */
export function findResource(resources: readonly K8sResource[], kind: string, name: string): K8sResource {
  const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

/** A workload's pod template, typed as the test reads it. */
export const podTemplateOf = <Template>(resource: K8sResource): Template => (resource.spec as { template: Template }).template;

export function parseDocuments(text: string): K8sResource[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.map((e) => e.message).join('; '));
    return withUnfoldedSecretData(document.toJS() as K8sResource);
  });
}

/** kustomize folds long base64 values over lines, which a YAML reader joins with spaces: base64 has none. */
function withUnfoldedSecretData(resource: K8sResource): K8sResource {
  if (resource.kind !== 'Secret' || typeof resource.data !== 'object' || resource.data === null) return resource;
  const data = Object.entries(resource.data as Record<string, string>).map(([key, value]) => [key, value.replace(/\s/g, '')]);
  return { ...resource, data: Object.fromEntries(data) };
}

export const combinations = allCombinations().map((choices) => [`${choices.rpc}-${choices.discovery}-${choices.db}-${choices.ci}`, choices] as const);

/** Two services of the project's framework (the second calls the first) and one of the other. */
export function k8sAnswers(choices: StackChoices) {
  const other = choices.rpc === 'grpc' ? 'thrift' : 'grpc';
  return answersFor(choices, ['orders', 'ledger', `billing:${other}`]);
}

/** The whole repo rendered in memory (no lockfile: not needed here), path to text. */
export function renderRepo(choices: StackChoices): Map<string, string> {
  const tree = emptyTree();
  workspaceGenerator(tree, k8sAnswers(choices), { lockfile: false });
  return new Map([...renderedFiles(tree)].map(([file, content]) => [file, content.toString('utf8')]));
}

export const k8sFiles = (files: ReadonlyMap<string, string>) => [...files].filter(([file]) => file.startsWith('deploy/k8s/'));

const KUBECTL = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!KUBECTL) console.warn('kubectl is not on PATH: `kubectl kustomize` is left out (install kubectl to render the overlays with it too).');
const KUSTOMIZE = pinnedKustomize();
if ('unavailable' in KUSTOMIZE) console.warn(`the pinned kustomize is left out: ${KUSTOMIZE.unavailable}.`);

/** What renders an overlay here: kustomize 4.5.4 (pinned, fetched by the tests) on linux-x64, and kubectl's own kustomize when installed. */
export interface OverlayRenderer {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

export const OVERLAY_RENDERERS: readonly OverlayRenderer[] = [
  ...('binary' in KUSTOMIZE ? [{ name: 'kustomize 4.5.4 (pinned)', command: KUSTOMIZE.binary, args: ['build'] }] : []),
  ...(KUBECTL ? [{ name: 'kubectl kustomize', command: 'kubectl', args: ['kustomize'] }] : []),
];

/**
 * One overlay rendered by `renderer`, on a copy of the rendered files with staging's secret files made
 * from their samples, as a team does before applying. Reads and renders only: no cluster.
 */
export function kustomize(renderer: OverlayRenderer, files: ReadonlyMap<string, string>, overlay: string): K8sResource[] {
  const dir = writeFiles(mkdtempSync(path.join(tmpdir(), 'csb-k8s-')), new Map(k8sFiles(files)));
  const secrets = [...files.keys()].filter((file) => file.endsWith('.env.sample'));
  writeFiles(dir, new Map(secrets.map((file) => [file.slice(0, -'.sample'.length), files.get(file) ?? ''])));
  const output = execFileSync(renderer.command, [...renderer.args, path.join(dir, 'deploy/k8s/overlays', overlay)], { encoding: 'utf8' });
  return parseDocuments(output);
}
