/**
 * The four stack choices, one tuple each, so the CLI flags, the prompts, the
 * generators and the test matrix all iterate the same list.
 */
export const RPC_FRAMEWORKS = ['grpc', 'thrift'] as const;
export const DISCOVERY_BACKENDS = ['etcd', 'consul'] as const;
export const DATABASES = ['mysql', 'tidb'] as const;
export const CI_PROVIDERS = ['gitlab', 'jenkins'] as const;

export type RpcFramework = (typeof RPC_FRAMEWORKS)[number];
export type DiscoveryBackend = (typeof DISCOVERY_BACKENDS)[number];
export type Database = (typeof DATABASES)[number];
export type CiProvider = (typeof CI_PROVIDERS)[number];

export interface StackChoices {
  rpc: RpcFramework;
  discovery: DiscoveryBackend;
  db: Database;
  ci: CiProvider;
}

export type ChoiceKey = keyof StackChoices;

export interface ChoiceSpec {
  key: ChoiceKey;
  values: readonly string[];
  /** Values whose template folders exist in this release; the rest are announced but not built yet. */
  available: readonly string[];
  default: string;
}

export const CHOICES: readonly ChoiceSpec[] = [
  { key: 'rpc', values: RPC_FRAMEWORKS, available: ['grpc', 'thrift'], default: 'grpc' },
  { key: 'discovery', values: DISCOVERY_BACKENDS, available: ['etcd', 'consul'], default: 'etcd' },
  { key: 'db', values: DATABASES, available: ['mysql', 'tidb'], default: 'mysql' },
  { key: 'ci', values: CI_PROVIDERS, available: ['gitlab', 'jenkins'], default: 'gitlab' },
];

export const DEFAULT_CHOICES: StackChoices = {
  rpc: 'grpc',
  discovery: 'etcd',
  db: 'mysql',
  ci: 'gitlab',
};

export const DEFAULT_SERVICE_NAME = 'api';

export class UserInputError extends Error {
  override name = 'UserInputError';
}

/** Checks one choice value; the error names the flag and the valid values, which is the fix. */
export function checkChoice(key: ChoiceKey, value: string, choices: readonly ChoiceSpec[] = CHOICES): string {
  const spec = choices.find((c) => c.key === key);
  if (!spec) throw new UserInputError(`Unknown choice --${key}.`);
  if (!spec.values.includes(value)) {
    throw new UserInputError(
      `Unknown --${key} value "${value}". Valid values: ${spec.values.join(', ')}.`,
    );
  }
  if (!spec.available.includes(value)) {
    throw new UserInputError(
      `--${key} ${value} is not available yet in this release. Available now: ${spec.available.join(', ')}.`,
    );
  }
  return value;
}
