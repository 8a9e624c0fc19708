import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChoiceKey, StackChoices } from './choices.js';
import { templateDir } from './paths.js';
import { IMAGE_TAGS, type DependencyName } from './versions.js';

/**
 * A server the service needs in CI, in the compose stack and in tests (its
 * database, its registry), described once by the choice that brings it and
 * rendered by each CI or compose template in its own syntax.
 */
export interface ContainerSpec {
  /** Host name other containers reach it by. */
  alias: string;
  image: keyof typeof IMAGE_TAGS;
  port: number;
  /** Environment in CI, where throwaway credentials are fine. */
  env?: Record<string, string>;
  /** Environment in the compose stack; secrets come from the root .env (`${NAME:?}`). */
  stackEnv?: Record<string, string>;
  entrypoint?: string[];
  command?: string[];
  /** Compose stack only: flags appended to `command` (CI containers stay plain and fast). */
  stackArgs?: string[];
  /**
   * Compose stack only: read-only bind mounts (`./host/path:/container/path:ro`) of config files the
   * choice renders at the repo root from its `stack/` folder (audit logging, for example).
   */
  stackMounts?: string[];
  /** Where the server keeps its data: a named volume in the compose stack. */
  dataPath?: string;
  /** Compose healthcheck `test` (CMD form) telling when the server accepts connections. */
  healthcheck?: string[];
  /**
   * Variables the integration tests read; `{host}` stands for wherever the container is reachable.
   * A database's `TEST_DATABASE_URL` names the server only (no database): each service's tests then
   * create and use their own `<service>_test`.
   */
  testEnv: Record<string, string>;
  /**
   * Variables a service container needs to reach this server in the compose stack. Placeholders:
   * `{host}`, and for databases `{user}`, `{password}`, `{database}` (the service's own).
   */
  serviceEnv: Record<string, string>;
  /**
   * Databases only: the variables of a service's migration job (`<service>-migrate`), with the same
   * placeholders; `{user}` and `{password}` are then the schema owner's, not the serving account's.
   */
  migrationEnv?: Record<string, string>;
  /** Databases only: the admin account that creates each service's database and user. */
  admin?: { user: string; passwordEnv?: string };
  /** The single-replica StatefulSet of Kubernetes staging (generators/k8s/staging-servers.ts), not for production. */
  kubernetes: KubernetesServerSpec;
}

export interface KubernetesServerSpec {
  /** The image's own unprivileged user and the group that owns its volume. */
  runAsUser: number;
  fsGroup: number;
  /** The server's arguments there, when `command` (a throwaway CI server) is not what keeps data. */
  command?: string[];
  /** Where the volume is mounted, when not `dataPath`. */
  dataPath?: string;
  /** The folder in the volume the server keeps data in, when not the volume's root (`command`'s `dataPath` is moved there). */
  dataSubfolder?: string;
  /** Writable folders besides the volume: the root filesystem is read-only. */
  scratchPaths: string[];
  env?: Record<string, string>;
  /** Variables taken from staging's db-init Secret (secrets/db-init.env): variable name to key. */
  secretEnv?: Record<string, string>;
  /**
   * Optional variables of each service's pods for this server (an ACL token), from Secret
   * `<service>-<alias>` when the team creates it; without it the pods start as they would without them.
   */
  clientSecretEnv?: string[];
}

/** `choice.json` in each choice folder: what the choice adds besides its files. */
export interface ChoiceManifest {
  /** Human name, e.g. "gRPC". */
  label: string;
  /** Why a team picks it, one sentence, for the stack's ADR. */
  rationale: string;
  dependencies?: DependencyName[];
  devDependencies?: DependencyName[];
  container?: ContainerSpec;
  /** CI choices only: where the repository is hosted, whose API the branch-protection script calls. */
  codeHost?: 'github' | 'gitlab';
}

/**
 * templates/service/<kind>/<value>/ for the service layers; templates/ci/<value>/ for CI. Besides
 * `choice.json`, `files/` (into each service) and `partials/`, a choice folder may hold `stack/`:
 * root files of the compose stack (server config), rendered by the ops generator.
 */
export function choiceFolder(kind: ChoiceKey, value: string): string[] {
  return kind === 'ci' ? ['ci', value] : ['service', kind, value];
}

const manifests = new Map<string, ChoiceManifest>();

export function choiceManifest(kind: ChoiceKey, value: string): ChoiceManifest {
  const file = path.join(templateDir(...choiceFolder(kind, value)), 'choice.json');
  let manifest = manifests.get(file);
  if (!manifest) {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as ChoiceManifest;
    manifests.set(file, manifest);
  }
  return manifest;
}

export type StackManifests = Record<ChoiceKey, ChoiceManifest>;

export function stackManifests(choices: StackChoices): StackManifests {
  return {
    rpc: choiceManifest('rpc', choices.rpc),
    discovery: choiceManifest('discovery', choices.discovery),
    db: choiceManifest('db', choices.db),
    ci: choiceManifest('ci', choices.ci),
  };
}

/** The servers of the chosen stack (database first), with their image tags resolved. */
export function stackContainers(stack: StackManifests): Array<ContainerSpec & { imageTag: string }> {
  return [stack.db.container, stack.discovery.container]
    .filter((container): container is ContainerSpec => container !== undefined)
    .map((container) => ({ ...container, imageTag: IMAGE_TAGS[container.image] }));
}

/** The service's npm dependencies: the base set plus what each chosen layer declares, sorted. */
export function stackDependencies(
  stack: StackManifests,
  base: readonly DependencyName[],
  field: 'dependencies' | 'devDependencies',
): DependencyName[] {
  const names = new Set<DependencyName>(base);
  for (const manifest of Object.values(stack)) for (const name of manifest[field] ?? []) names.add(name);
  return [...names].sort();
}
