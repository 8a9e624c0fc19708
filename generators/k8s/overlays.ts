import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import type { ProjectAnswers } from '../shared/answers.js';
import { serviceVariables, type ServiceVariables } from '../shared/render.js';
import type { ManifestFile } from './base.js';
import { kustomization } from './kustomization.js';
import { baseImageName, ENVIRONMENTS, IMAGE_TAG_PLACEHOLDER, migrateName, overlayDir, registryContainer, secretNames, type Environment } from './names.js';
import { registryEnv } from './settings.js';
import { DB_INIT_SECRET, STAGING_SERVERS_DIR, stagingServerResources } from './staging-servers.js';

/** What differs between the two environments, per service. */
const SIZES: Record<Environment, { minReplicas: number; maxReplicas: number; resources: object }> = {
  // One pod may be enough for staging; maxUnavailable 1 still lets a node drain evict it.
  staging: { minReplicas: 1, maxReplicas: 2, resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } } },
  // Two at least, so a drain (one pod at a time, the PodDisruptionBudget) never leaves none serving.
  production: { minReplicas: 2, maxReplicas: 6, resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } },
};

/** Staging's uncommitted secret files (gitignored), one per Secret: `<name>.env`, beside a committed `.env.example`. */
export const stagingSecretFile = (secret: string) => `secrets/${secret}.env`;

/**
 * Where the environment's database and registry are reached: staging's own StatefulSets by their Service
 * name, production's external servers by a placeholder host to replace with the real one.
 */
export const environmentHost = (alias: string, environment: Environment) => (environment === 'staging' ? alias : `${alias}.${environment}.internal`);

const configComment: Record<Environment, (label: string, alias: string) => string> = {
  staging: (label, alias) => `Staging's own ${label} (${STAGING_SERVERS_DIR}/${alias}, not for production); name another host to use one outside.`,
  production: (label) => `Where production's ${label} is: replace the host with the real one.`,
};

function servicePatches(variables: ServiceVariables, environment: Environment): ManifestFile[] {
  const { name } = variables.service;
  const size = SIZES[environment];
  const dir = `${overlayDir(environment)}/${name}`;
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { template: { spec: { containers: [{ name, resources: size.resources }] } } },
  } as Deployment;
  const autoscaler: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: size.minReplicas, maxReplicas: size.maxReplicas },
  };
  const registry = registryContainer(variables);
  const config: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: registryEnv(variables, environmentHost(registry.alias, environment)) };
  return [
    { path: `${dir}/deployment.yaml`, manifest: deployment },
    { path: `${dir}/autoscaler.yaml`, manifest: autoscaler },
    { path: `${dir}/config-map.yaml`, manifest: config, comment: [configComment[environment](variables.stack.discovery.label, registry.alias)] },
  ];
}

/**
 * The registry path each CI pushes to, with this example host: GitLab `$CI_REGISTRY_IMAGE/<service>`,
 * Jenkins `$DOCKER_REGISTRY/<project>/<service>` (the same path scripts/deploy.sh's IMAGE_PREFIX names).
 */
const IMAGE_HEADER: Record<string, string> = {
  gitlab: 'newName: $CI_REGISTRY_IMAGE/<service>, the path .gitlab/ci/services/<service>.yml pushes to.',
  jenkins: 'newName: $DOCKER_REGISTRY/<project>/<service>, the path the Jenkinsfile\'s push stage pushes to.',
};

function overlayComment(answers: ProjectAnswers, environment: Environment): string[] {
  const secrets =
    environment === 'staging'
      ? [
          'Secrets: generated from secrets/<name>.env (gitignored; copy each secrets/<name>.env.sample and fill it in).',
          `${STAGING_SERVERS_DIR}/: staging's own database and registry, one pod each, not for production.`,
        ]
      : [
          'Secrets: none here. <service>-database (key DATABASE_URL) and <service>-migration (key MIGRATION_DATABASE_URL)',
          `must exist in the namespace, made by the team's secret store (an ExternalSecret, for example); see deploy/k8s/README.md.`,
        ];
  return [
    `${answers.projectName} in ${environment}: kubectl apply -k deploy/k8s/overlays/${environment}`,
    IMAGE_HEADER[answers.ci] ?? '',
    `newTag: the image tag to deploy (kustomize edit set image <project>/<service>=<newName>:<tag>).`,
    ...secrets,
  ];
}

export function overlayFiles(answers: ProjectAnswers): ManifestFile[] {
  return ENVIRONMENTS.flatMap((environment) => {
    const dir = overlayDir(environment);
    const services = answers.services.map((service) => serviceVariables(answers, service));
    const namespaceName = `${answers.projectName}-${environment}`;
    const namespace: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespaceName } };
    const patches = services.flatMap((variables) => servicePatches(variables, environment));
    const list = kustomization({
      namespace: namespaceName,
      resources: [
        'namespace.yaml',
        ...services.map((variables) => `../../base/${variables.service.name}`),
        ...(environment === 'staging' ? stagingServerResources(services[0]!) : []),
      ],
      patches: patches.map((patch) => ({ path: patch.path.slice(dir.length + 1) })),
      images: services.map((variables) => ({
        name: baseImageName(variables),
        newName: `registry.example.com/${baseImageName(variables)}`,
        newTag: IMAGE_TAG_PLACEHOLDER,
      })),
      secretGenerator:
        environment === 'staging'
          ? services.flatMap(({ service }) => {
              const names = secretNames(service.name);
              return [
                { name: names.database, envs: [stagingSecretFile(service.name)] },
                { name: names.migration, envs: [stagingSecretFile(migrateName(service.name))] },
              ];
            }).concat({ name: DB_INIT_SECRET, envs: [stagingSecretFile(DB_INIT_SECRET)] })
          : undefined,
    });
    return [
      { path: `${dir}/kustomization.yaml`, manifest: list, comment: overlayComment(answers, environment) },
      { path: `${dir}/namespace.yaml`, manifest: namespace },
      ...patches,
    ];
  });
}
