import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { ConfigMap, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ServiceVariables } from '../shared/render.js';
import { fillPlaceholders, metadata, migrateName, registryContainer, selectorLabels, type Component } from './names.js';
import { DEREGISTER_DELAY_S, SHUTDOWN_TIMEOUT_S } from './timings.js';

/** One per workload, with no API token: neither talks to the Kubernetes API. */
export function serviceAccounts(variables: ServiceVariables): ServiceAccount[] {
  const accounts: Array<[string, Component]> = [[variables.service.name, 'server'], [migrateName(variables.service.name), 'migration']];
  return accounts.map(([name, component]) => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(variables, name, component),
    automountServiceAccountToken: false,
  }));
}

/** The registry's variables (src/registry/factory.ts) with `{host}` = where the environment's registry is. */
export function registryEnv(variables: ServiceVariables, host: string): Record<string, string> {
  const { serviceEnv } = registryContainer(variables);
  return Object.fromEntries(Object.entries(serviceEnv).map(([name, value]) => [name, fillPlaceholders(value, { host })]));
}

/**
 * Everything src/config.ts reads that is not a secret. The shutdown timings are spelled out because
 * the Deployment's terminationGracePeriodSeconds is computed from them (generators/k8s/timings.ts).
 */
export function configMap(variables: ServiceVariables): ConfigMap {
  const { service } = variables;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(variables, service.name),
    data: {
      RPC_PORT: String(service.rpcPort),
      HTTP_PORT: String(service.httpPort),
      // The schema's owner is the <service>-migrate Job; this account only checks nothing is pending.
      DB_MIGRATIONS: 'verify',
      LOG_LEVEL: 'info',
      ...registryEnv(variables, registryContainer(variables).alias),
      DEREGISTER_DELAY_MS: String(DEREGISTER_DELAY_S * 1000),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_S * 1000),
    },
  };
}

export function autoscaler(variables: ServiceVariables): HorizontalPodAutoscaler {
  const { name } = variables.service;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(variables, name),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  };
}

/** One pod at a time: a node drain always goes on, and with two or more replicas one keeps serving. */
export function disruptionBudget(variables: ServiceVariables): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(variables, variables.service.name),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(variables.service.name, 'server') } },
  };
}
