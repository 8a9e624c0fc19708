import type { Tree } from '@nx/devkit';
import { projectVariables, renderFolder, serviceVariables } from '../shared/render.js';
import { baseFiles, type ManifestFile } from './base.js';
import { overlayFiles } from './overlays.js';
import { stagingServerFiles } from './staging-servers.js';
import type { K8sGeneratorSchema } from './schema.js';
import { toYaml } from './yaml.js';

/** Every manifest, path to YAML: the base of each service, both overlays and staging's servers, built as typed objects. */
export function k8sManifests(answers: K8sGeneratorSchema): ManifestFile[] {
  return [
    ...answers.services.flatMap((service) => baseFiles(serviceVariables(answers, service))),
    ...overlayFiles(answers),
    ...stagingServerFiles(answers),
  ];
}

/**
 * Kubernetes manifests (kustomize): `deploy/k8s/base/<service>/` and the staging and production overlays,
 * plus the staging secret samples and the README from templates/k8s/. Each service's base is a folder of
 * its own; the overlays list every service, so they are re-rendered as services are added.
 */
export function k8sGenerator(tree: Tree, answers: K8sGeneratorSchema): void {
  renderFolder(tree, ['k8s', 'files'], '.', projectVariables(answers));
  for (const service of answers.services) renderFolder(tree, ['k8s', 'service-files'], '.', serviceVariables(answers, service));
  for (const file of k8sManifests(answers)) tree.write(file.path, toYaml(file.manifest, file.comment));
}

export default k8sGenerator;
