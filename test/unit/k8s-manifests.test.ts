import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { k8sManifests } from '../../generators/k8s/generator.js';
import { toYaml } from '../../generators/k8s/yaml.js';
import { combinations, k8sAnswers, k8sFiles, kustomize, OVERLAY_RENDERERS, parseDocuments, renderRepo, validateResource } from './k8s-fixtures.js';

/** No cluster runs here: each resource is validated against the API's schema (kubernetes-models) and each overlay rendered by kustomize. */
describe.each(combinations)('Kubernetes manifests, no cluster (%s)', (_label, choices) => {
  const files = renderRepo(choices);
  const manifests = k8sFiles(files).filter(([file]) => file.endsWith('.yaml'));

  it('has a base per service and both overlays', () => {
    for (const service of ['orders', 'ledger', 'billing']) {
      expect(files.has(`deploy/k8s/base/${service}/kustomization.yaml`), service).toBe(true);
    }
    for (const overlay of ['staging', 'production']) expect(files.has(`deploy/k8s/overlays/${overlay}/kustomization.yaml`)).toBe(true);
  });

  it('every base resource passes kubernetes-models validate()', () => {
    const resources = manifests
      .filter(([file]) => !file.endsWith('kustomization.yaml') && (file.startsWith('deploy/k8s/base/') || file.endsWith('/namespace.yaml')))
      .flatMap(([, text]) => parseDocuments(text));
    expect(resources.length).toBeGreaterThan(30);
    for (const resource of resources) expect(() => validateResource(resource), `${resource.kind} ${resource.metadata.name}`).not.toThrow();
  });

  it('serializes each manifest to YAML that reads back as the same object', () => {
    for (const file of k8sManifests(k8sAnswers(choices))) expect(parse(toYaml(file.manifest, file.comment)), file.path).toEqual(file.manifest);
  });

  it.each(OVERLAY_RENDERERS)('$name renders each overlay, and every resource it renders passes validate() (no cluster)', (renderer) => {
    for (const overlay of ['staging', 'production']) {
      const resources = kustomize(renderer, files, overlay);
      expect(resources.filter((r) => r.kind === 'Deployment').map((r) => r.metadata.name).sort()).toEqual(['billing', 'ledger', 'orders']);
      for (const resource of resources) {
        expect(resource.metadata.namespace ?? resource.metadata.name, `${resource.kind} ${resource.metadata.name}`).toBe(`acme-${overlay}`);
        expect(() => validateResource(resource), `${overlay}: ${resource.kind} ${resource.metadata.name}`).not.toThrow();
      }
    }
  });
});
