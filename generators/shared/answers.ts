import type { Tree } from '@nx/devkit';
import { CHOICES, UserInputError, type RpcFramework, type StackChoices } from './choices.js';
import { DEFAULT_PACKAGE_MANAGER, PACKAGE_MANAGERS, isPackageManager, type PackageManager } from './package-managers.js';

/**
 * The committed record of every answer: `upgrade` re-renders the old and the
 * new templates from it, and `add service` reads the stack choices from it.
 */
export const ANSWERS_FILE = '.startup-backend.json';

export interface ServiceAnswers {
  name: string;
  /** Recorded only for a service of another framework than the project's `rpc` (`add service --rpc`). */
  rpc?: RpcFramework;
  rpcPort: number;
  httpPort: number;
}

export interface ProjectAnswers extends StackChoices {
  templateVersion: string;
  projectName: string;
  /**
   * The package manager the repo is made for. The CLI always sets it and readAnswers always
   * returns it; it is optional here only so that answers built in code without it (the unit
   * tests' fixtures) still type-check, and then means 'npm'.
   */
  packageManager?: PackageManager;
  services: ServiceAnswers[];
}

const FIRST_RPC_PORT = 50051;
const FIRST_HTTP_PORT = 9464;

/** Ports are assigned in order so services can run side by side on one machine. */
export function nextService(name: string, existing: readonly ServiceAnswers[], rpc?: RpcFramework): ServiceAnswers {
  const taken = (pick: (s: ServiceAnswers) => number, first: number) =>
    Math.max(first - 1, ...existing.map(pick)) + 1;
  return {
    name,
    ...(rpc === undefined ? {} : { rpc }),
    rpcPort: taken((s) => s.rpcPort, FIRST_RPC_PORT),
    httpPort: taken((s) => s.httpPort, FIRST_HTTP_PORT),
  };
}

/** The project's `rpc` is the framework of every service that records none, and of new ones by default. */
export function serviceRpc(answers: Pick<ProjectAnswers, 'rpc'>, service: ServiceAnswers): RpcFramework {
  return service.rpc ?? answers.rpc;
}

/** The frameworks the services use, each once, in the order of their first service. */
export function rpcFrameworksInUse(answers: Pick<ProjectAnswers, 'rpc' | 'services'>): RpcFramework[] {
  return [...new Set(answers.services.map((service) => serviceRpc(answers, service)))];
}

export function serializeAnswers(answers: ProjectAnswers): string {
  const ordered = {
    $comment:
      'Written by create-startup-backend: the answers this repository was generated from. Keep it committed and do not edit it by hand: `startup-backend add service` and `startup-backend upgrade` re-render the templates from it.',
    templateVersion: answers.templateVersion,
    projectName: answers.projectName,
    rpc: answers.rpc,
    discovery: answers.discovery,
    db: answers.db,
    ci: answers.ci,
    packageManager: answers.packageManager ?? DEFAULT_PACKAGE_MANAGER,
    services: answers.services.map(({ name, rpc, rpcPort, httpPort }) => ({
      name, ...(rpc === undefined || rpc === answers.rpc ? {} : { rpc }), rpcPort, httpPort,
    })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

export function writeAnswers(tree: Tree, answers: ProjectAnswers): void {
  tree.write(ANSWERS_FILE, serializeAnswers(answers));
}

export function readAnswers(tree: Tree): ProjectAnswers & { packageManager: PackageManager } {
  const text = tree.read(ANSWERS_FILE, 'utf-8');
  if (text === null) {
    throw new UserInputError(
      `${ANSWERS_FILE} not found: run this inside a repository made by create-startup-backend.`,
    );
  }
  let raw: Partial<ProjectAnswers>;
  try {
    raw = JSON.parse(text) as Partial<ProjectAnswers>;
  } catch (error) {
    throw new UserInputError(`${ANSWERS_FILE} is not valid JSON (${(error as Error).message}): restore it from git.`);
  }
  for (const field of ['templateVersion', 'projectName', ...CHOICES.map((c) => c.key)] as const) {
    if (typeof raw[field] !== 'string') {
      throw new UserInputError(`${ANSWERS_FILE} has no "${field}": restore it from git.`);
    }
  }
  if (!Array.isArray(raw.services)) {
    throw new UserInputError(`${ANSWERS_FILE} has no "services" list: restore it from git.`);
  }
  // Repos made by 0.1.0 have no "packageManager": they were made for npm.
  const packageManager = raw.packageManager ?? DEFAULT_PACKAGE_MANAGER;
  if (!isPackageManager(packageManager)) {
    throw new UserInputError(
      `${ANSWERS_FILE} has an unknown "packageManager" "${String(packageManager)}" (one of ${PACKAGE_MANAGERS.join(', ')}): restore it from git.`,
    );
  }
  return { ...(raw as ProjectAnswers), packageManager };
}
