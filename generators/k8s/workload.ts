import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, EnvVar, PodSecurityContext, PodSpec, Probe, SecurityContext, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { ServiceVariables } from '../shared/render.js';
import {
  baseImageName, HTTP_PATHS, IMAGE_TAG_PLACEHOLDER, metadata, migrateName, PORT_NAMES, recommendedLabels, registryContainer, secretNames, selectorLabels,
} from './names.js';
import { LIVENESS_PROBE, PRE_STOP_SLEEP_S, READINESS_PROBE, STARTUP_PROBE, TERMINATION_GRACE_PERIOD_S } from './timings.js';

/** The image's `USER node` by number: runAsNonRoot cannot check a user name. */
const NODE_UID = 1000;

/** Non-root as the image's own user; `volumeGroup` owns the volumes the pod writes to, when it has any. */
export function podSecurity(user: number, group: number, volumeGroup?: number): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: group,
    ...(volumeGroup === undefined ? {} : { fsGroup: volumeGroup }),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export const containerSecurity: SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** The root filesystem is read-only; Node and npm only ever write temporary files. */
const tmpVolume: Volume = { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };
const tmpMount: VolumeMount = { name: 'tmp', mountPath: '/tmp' };

const secretEnv = (name: string, secret: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name } } });

/** The registry's optional credentials (Consul's ACL token): read when Secret `<service>-<alias>` exists. */
function registryTokens(variables: ServiceVariables): EnvVar[] {
  const registry = registryContainer(variables);
  const secret = `${variables.service.name}-${registry.alias}`;
  return (registry.kubernetes.clientSecretEnv ?? []).map((name) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name, optional: true } } }));
}

const image = (variables: ServiceVariables) => `${baseImageName(variables)}:${IMAGE_TAG_PLACEHOLDER}`;

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

/** Pod settings both workloads share: no API token, the hardened context, a writable /tmp. */
function podSpec(container: Container, serviceAccountName: string, extra: Partial<PodSpec>): PodSpec {
  return {
    serviceAccountName,
    automountServiceAccountToken: false,
    securityContext: podSecurity(NODE_UID, NODE_UID, NODE_UID),
    ...extra,
    containers: [{ ...container, securityContext: containerSecurity, volumeMounts: [tmpMount] }],
    volumes: [tmpVolume],
  };
}

/** Started once, ready once: gRPC's own health service says SERVING only when /readyz would say ready. */
function startupProbe(variables: ServiceVariables): Probe {
  const check: Probe =
    variables.service.rpc === 'grpc'
      ? { grpc: { port: variables.service.rpcPort } }
      : { httpGet: { path: HTTP_PATHS.readiness, port: PORT_NAMES.http } };
  return { ...check, ...STARTUP_PROBE };
}

export function deployment(variables: ServiceVariables): Deployment {
  const { service } = variables;
  const selector = selectorLabels(service.name, 'server');
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(variables, service.name),
    spec: {
      // No `replicas`: the HorizontalPodAutoscaler owns the count, and an apply must not reset it.
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: recommendedLabels(variables, 'server'),
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(service.httpPort),
            'prometheus.io/path': HTTP_PATHS.metrics,
          },
        },
        spec: podSpec(
          {
            name: service.name,
            image: image(variables),
            ports: [
              { name: PORT_NAMES.rpc, containerPort: service.rpcPort, protocol: 'TCP' },
              { name: PORT_NAMES.http, containerPort: service.httpPort, protocol: 'TCP' },
            ],
            envFrom: [{ configMapRef: { name: service.name } }],
            env: [
              secretEnv('DATABASE_URL', secretNames(service.name).database),
              ...registryTokens(variables),
              // Registered in the registry, which clients dial directly: the pod's own address.
              { name: 'ADVERTISE_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'SERVICE_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            resources,
            startupProbe: startupProbe(variables),
            livenessProbe: { httpGet: { path: HTTP_PATHS.liveness, port: PORT_NAMES.http }, ...LIVENESS_PROBE },
            readinessProbe: { httpGet: { path: HTTP_PATHS.readiness, port: PORT_NAMES.http }, ...READINESS_PROBE },
            lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_SLEEP_S)] } } },
          },
          service.name,
          { terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_S },
        ),
      },
    },
  };
}

/**
 * `npm run migrate` as the schema's owner, before the Deployment's pods (DB_MIGRATIONS=verify) can
 * start. A Job's pod template cannot change, so a finished one is removed after an hour and the next
 * `kubectl apply -k` runs it again with the new image; applying migrations twice is a no-op.
 */
export function migrationJob(variables: ServiceVariables): Job {
  const name = migrateName(variables.service.name);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(variables, name, 'migration'),
    spec: {
      backoffLimit: 4,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: recommendedLabels(variables, 'migration') },
        spec: podSpec(
          {
            name: 'migrate',
            image: image(variables),
            command: ['node', 'dist/migrate-main.js'],
            env: [secretEnv('MIGRATION_DATABASE_URL', secretNames(variables.service.name).migration), { name: 'LOG_LEVEL', value: 'info' }],
            resources,
          },
          name,
          { restartPolicy: 'Never' },
        ),
      },
    },
  };
}
