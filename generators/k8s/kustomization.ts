/**
 * The fields of kustomize's Kustomization (kustomize.config.k8s.io/v1beta1) these files use; kubernetes-types
 * has no type for it, as it is read by kustomize, never by the API server.
 */
export interface Kustomization {
  apiVersion: 'kustomize.config.k8s.io/v1beta1';
  kind: 'Kustomization';
  namespace?: string;
  resources: string[];
  patches?: Array<{ path: string }>;
  images?: Array<{ name: string; newName: string; newTag: string }>;
  secretGenerator?: Array<{ name: string; envs: string[] }>;
  configMapGenerator?: Array<{ name: string; files: string[] }>;
}

export const kustomization = (fields: Omit<Kustomization, 'apiVersion' | 'kind'>): Kustomization => ({
  apiVersion: 'kustomize.config.k8s.io/v1beta1',
  kind: 'Kustomization',
  ...fields,
});
