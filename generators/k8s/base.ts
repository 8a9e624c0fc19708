import type { ServiceVariables } from '../shared/render.js';
import { kustomization } from './kustomization.js';
import { K8S_ROOT } from './names.js';
import { clusterService, headlessService, migrationNetworkPolicy, serverNetworkPolicy } from './networking.js';
import { autoscaler, configMap, disruptionBudget, serviceAccounts } from './settings.js';
import { deployment, migrationJob } from './workload.js';
import { TERMINATION_GRACE_PERIOD_S, PRE_STOP_SLEEP_S, SHUTDOWN_WORST_CASE_S } from './timings.js';

export interface ManifestFile {
  /** From the repo root. */
  path: string;
  manifest: object;
  comment?: string[];
}

export const baseDir = (service: string) => `${K8S_ROOT}/base/${service}`;

const GRACE_COMMENT = [
  `terminationGracePeriodSeconds ${String(TERMINATION_GRACE_PERIOD_S)} = preStop sleep ${String(PRE_STOP_SLEEP_S)} s (the endpoints`,
  'controller takes the pod out of its Services meanwhile) + the worst case of src/app.ts shutdown(),',
  `${String(SHUTDOWN_WORST_CASE_S)} s: deregister <= 3 s, DEREGISTER_DELAY_MS 2 s, the RPC drain SHUTDOWN_TIMEOUT_MS 10 s + 3 s`,
  'before it is abandoned, then closing the registry, the pool and the ops server <= 3 s each; + 3 s to exit.',
  'Change SHUTDOWN_TIMEOUT_MS or DEREGISTER_DELAY_MS in the ConfigMap and this must grow with them.',
];

/** Every resource of one service, each in a file of its own, and the kustomization listing them. */
export function baseFiles(variables: ServiceVariables): ManifestFile[] {
  const dir = baseDir(variables.service.name);
  const [account, migrateAccount] = serviceAccounts(variables);
  const resources: Array<[string, object, string[]?]> = [
    ['service-account.yaml', account!],
    ['config-map.yaml', configMap(variables)],
    ['deployment.yaml', deployment(variables), GRACE_COMMENT],
    ['service.yaml', clusterService(variables)],
    ['headless-service.yaml', headlessService(variables)],
    ['autoscaler.yaml', autoscaler(variables)],
    ['disruption-budget.yaml', disruptionBudget(variables)],
    ['network-policy.yaml', serverNetworkPolicy(variables)],
    ['migrate-service-account.yaml', migrateAccount!],
    ['migrate-job.yaml', migrationJob(variables)],
    ['migrate-network-policy.yaml', migrationNetworkPolicy(variables)],
  ];
  const files = resources.map(([name, manifest, comment]) => ({ path: `${dir}/${name}`, manifest, comment }));
  const list = kustomization({ resources: resources.map(([name]) => name) });
  return [...files, { path: `${dir}/kustomization.yaml`, manifest: list, comment: [`${variables.service.name}: every environment's resources.`] }];
}
