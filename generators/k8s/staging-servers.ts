import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, EnvVar, Probe, Service, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { ProjectAnswers } from '../shared/answers.js';
import { serviceVariables, type ServiceVariables } from '../shared/render.js';
import type { ContainerSpec } from '../shared/stack.js';
import { IMAGE_TAGS } from '../shared/versions.js';
import type { ManifestFile } from './base.js';
import { kustomization } from './kustomization.js';
import { databaseContainer, overlayDir, partLabels, registryContainer, selectorLabels } from './names.js';
import { dnsEgress, tcp } from './networking.js';
import { containerSecurity, podSecurity } from './workload.js';

/**
 * Staging's own database and registry: one pod each, a StatefulSet with a 1 GiB volume, reached in the
 * namespace by the same names as in the compose stack (`mysql`, `etcd`, ...). Not for production, where
 * both are external and the overlay only points at them.
 */
export const STAGING_SERVERS_DIR = 'servers';
const STAGING_SERVERS_PATH = `${overlayDir('staging')}/${STAGING_SERVERS_DIR}`;
export const DB_INIT = 'db-init';
/** The Secret (from secrets/db-init.env) with the administrator's and every account's password. */
export const DB_INIT_SECRET = DB_INIT;
const DB_INIT_SCRIPT = 'db-init.sh';
const PORT_NAME = 'client';
const VOLUME_SIZE = '1Gi';

type ServerRole = 'database' | 'registry';

/** One of staging's servers, with the labels all its resources carry. */
interface StagingServer {
  readonly spec: ContainerSpec;
  readonly role: ServerRole;
  readonly projectName: string;
  readonly image: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
}

const versionOf = (image: string) => image.slice(image.lastIndexOf(':') + 1);

function stagingServer(answers: ProjectAnswers, spec: ContainerSpec, role: ServerRole): StagingServer {
  const image = IMAGE_TAGS[spec.image];
  return {
    spec,
    role,
    projectName: answers.projectName,
    image,
    labels: partLabels(answers.projectName, spec.alias, role, versionOf(image)),
    selector: selectorLabels(spec.alias, role),
  };
}

/**
 * The compose command with its data folder moved onto the volume: at the mount itself, or in the
 * subfolder the server creates (etcd wants its data folder 0700, which a volume's root is not).
 */
function serverArgs(server: ContainerSpec, mountPath: string): string[] | undefined {
  const { kubernetes } = server;
  const dataDir = kubernetes.dataSubfolder ? `${mountPath}/${kubernetes.dataSubfolder}` : mountPath;
  const composeDataPath = server.dataPath;
  const args = kubernetes.command ?? server.command;
  if (!composeDataPath || composeDataPath === dataDir) return args;
  return args?.map((arg) => arg.replaceAll(composeDataPath, dataDir));
}

/**
 * The compose healthcheck as a probe: a `curl -fsS <url>` becomes the kubelet's own HTTP GET (the image
 * need not have curl), any other command runs in the container.
 */
export function healthProbe(server: ContainerSpec): Probe {
  const [form, ...command] = server.healthcheck ?? [];
  if (form !== 'CMD' || command.length === 0) return { tcpSocket: { port: PORT_NAME } };
  const url = command[0] === 'curl' ? command.find((part) => part.startsWith('http://')) : undefined;
  if (url) {
    const { port, pathname } = new URL(url);
    return { httpGet: { path: pathname, port: Number(port) } };
  }
  return { exec: { command } };
}

function statefulSet({ spec: server, image, labels, selector }: StagingServer): StatefulSet {
  const { kubernetes } = server;
  const scratch = kubernetes.scratchPaths.map((mountPath, index) => ({ name: `scratch-${String(index)}`, mountPath }));
  const volumes: Volume[] = scratch.map(({ name }) => ({ name, emptyDir: { sizeLimit: '64Mi' } }));
  const dataPath = kubernetes.dataPath ?? server.dataPath;
  if (!dataPath) throw new Error(`${server.alias} has no dataPath for its volume (choice.json)`);
  const mounts: VolumeMount[] = [{ name: 'data', mountPath: dataPath }, ...scratch];
  const env: EnvVar[] = [
    ...Object.entries(kubernetes.env ?? {}).map(([name, value]) => ({ name, value })),
    ...Object.entries(kubernetes.secretEnv ?? {}).map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: DB_INIT_SECRET, key } } })),
  ];
  const health = healthProbe(server);
  const container: Container = {
    name: server.alias,
    image,
    ...(server.entrypoint ? { command: server.entrypoint } : {}),
    args: serverArgs(server, dataPath),
    ...(env.length > 0 ? { env } : {}),
    ports: [{ name: PORT_NAME, containerPort: server.port, protocol: 'TCP' }],
    // A first start initialises the volume (MariaDB's system tables, TiDB's bootstrap): up to 5 minutes.
    startupProbe: { ...health, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 5 },
    readinessProbe: { ...health, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
    livenessProbe: { tcpSocket: { port: PORT_NAME }, periodSeconds: 10, failureThreshold: 6 },
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    securityContext: containerSecurity,
    volumeMounts: mounts,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: server.alias, labels },
    spec: {
      serviceName: server.alias,
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurity(kubernetes.runAsUser, kubernetes.fsGroup, kubernetes.fsGroup),
          terminationGracePeriodSeconds: 30,
          containers: [container],
          ...(volumes.length > 0 ? { volumes } : {}),
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: VOLUME_SIZE } } } },
      ],
    },
  };
}

/** Headless, as a StatefulSet's governing Service: `<alias>` resolves to the one pod, once it is ready. */
function governingService({ spec: server, labels, selector }: StagingServer): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: server.alias, labels },
    spec: {
      clusterIP: 'None',
      selector,
      ports: [{ name: PORT_NAME, port: server.port, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  };
}

/** Who may connect: the database takes the project's servers and migrations (db-init among them), the registry its servers. */
function serverPolicy({ spec: server, role, projectName, labels, selector }: StagingServer): NetworkPolicy {
  const clients = role === 'database' ? ['server', 'migration'] : ['server'];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: server.alias, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            {
              podSelector: {
                matchLabels: { 'app.kubernetes.io/part-of': projectName },
                matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: clients }],
              },
            },
          ],
          ports: [tcp(server.port)],
        },
      ],
      egress: [dnsEgress],
    },
  };
}

function serverFiles(answers: ProjectAnswers, spec: ContainerSpec, role: ServerRole, label: string): ManifestFile[] {
  const server = stagingServer(answers, spec, role);
  const dir = `${STAGING_SERVERS_PATH}/${spec.alias}`;
  const resources: Array<[string, object]> = [
    ['stateful-set.yaml', statefulSet(server)],
    ['service.yaml', governingService(server)],
    ['network-policy.yaml', serverPolicy(server)],
  ];
  return [
    ...resources.map(([name, manifest]) => ({ path: `${dir}/${name}`, manifest })),
    {
      path: `${dir}/kustomization.yaml`,
      manifest: kustomization({ resources: resources.map(([name]) => name) }),
      comment: [`Staging's own ${label}: one pod and a ${VOLUME_SIZE} volume, not for production (deploy/k8s/README.md).`],
    },
  ];
}

/**
 * Every service's database and accounts, as db-init does in the compose stack, with the same script
 * (templates/ops/partials/db-init.sh.ejs). Labelled a migration so deploy.sh replaces it on every deploy,
 * which is how a service added later gets its database.
 */
function dbInitJob(answers: ProjectAnswers, database: ContainerSpec): Job {
  const jobLabels = partLabels(answers.projectName, DB_INIT, 'migration', versionOf(IMAGE_TAGS.mariadb));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: DB_INIT, labels: jobLabels },
    spec: {
      backoffLimit: 4,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: jobLabels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: podSecurity(database.kubernetes.runAsUser, database.kubernetes.fsGroup),
          containers: [
            {
              name: DB_INIT,
              image: IMAGE_TAGS.mariadb,
              command: ['sh', `/scripts/${DB_INIT_SCRIPT}`],
              envFrom: [{ secretRef: { name: DB_INIT_SECRET } }],
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
              securityContext: containerSecurity,
              volumeMounts: [{ name: 'scripts', mountPath: '/scripts', readOnly: true }],
            },
          ],
          volumes: [{ name: 'scripts', configMap: { name: DB_INIT } }],
        },
      },
    },
  };
}

function dbInitFiles(answers: ProjectAnswers, database: ContainerSpec): ManifestFile[] {
  const dir = `${STAGING_SERVERS_PATH}/${DB_INIT}`;
  return [
    { path: `${dir}/job.yaml`, manifest: dbInitJob(answers, database) },
    {
      path: `${dir}/kustomization.yaml`,
      manifest: kustomization({ resources: ['job.yaml'], configMapGenerator: [{ name: DB_INIT, files: [DB_INIT_SCRIPT] }] }),
      comment: [`Creates every service's database and accounts in staging's ${database.alias}; ${DB_INIT_SCRIPT} is rendered from the answers.`],
    },
  ];
}

/** The folders the staging overlay lists, from the overlay. */
export function stagingServerResources(variables: ServiceVariables): string[] {
  return [databaseContainer(variables).alias, registryContainer(variables).alias, DB_INIT].map((name) => `${STAGING_SERVERS_DIR}/${name}`);
}

export function stagingServerFiles(answers: ProjectAnswers): ManifestFile[] {
  const variables = serviceVariables(answers, answers.services[0]!);
  const database = databaseContainer(variables);
  return [
    ...serverFiles(answers, database, 'database', variables.stack.db.label),
    ...serverFiles(answers, registryContainer(variables), 'registry', variables.stack.discovery.label),
    ...dbInitFiles(answers, database),
  ];
}
