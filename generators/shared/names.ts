import { names } from '@nx/devkit';
import validateNpmPackageName from 'validate-npm-package-name';
import { UserInputError } from './choices.js';
import { sha256Hex } from './lazy-crypto.js';
import { findReservedName } from './reserved-names.js';

/** Every spelling of a service name the templates need, derived once. */
export interface ServiceNames {
  /** kebab-case: folder, npm package, registry key (`order-book`). */
  name: string;
  /** PascalCase: IDL service and TS types (`OrderBook`). */
  className: string;
  /** camelCase: variables (`orderBook`). */
  propertyName: string;
  /** snake_case: IDL package, database and DB user (`order_book`). */
  snakeName: string;
  /**
   * snake_case as a GRANT names the database (`order\_book`): there `_` matches any character, so
   * `m_sql.*` would also grant the `mysql` schema.
   */
  grantDatabase: string;
  /** CONSTANT_CASE: env var prefixes (`ORDER_BOOK`). */
  constantName: string;
  /**
   * The database account that owns the schema and runs the migrations (`order_book-migrate`): never a
   * service's own account, whose snake_case names have no `-`; within MySQL's 32 characters.
   */
  migrationUser: string;
}

export function serviceNames(name: string): ServiceNames {
  const n = names(name);
  return {
    name: n.fileName,
    className: n.className,
    propertyName: n.propertyName,
    snakeName: n.constantName.toLowerCase(),
    grantDatabase: n.constantName.toLowerCase().replaceAll('_', '\\_'),
    constantName: n.constantName,
    migrationUser: migrationUser(n.constantName.toLowerCase()),
  };
}

const MIGRATION_USER_SUFFIX = '-migrate';
/** MySQL's and TiDB's limit on an account's user name. */
const DB_USER_MAX = 32;

function migrationUser(snakeName: string): string {
  const user = snakeName + MIGRATION_USER_SUFFIX;
  if (user.length <= DB_USER_MAX) return user;
  // A hash of the whole name keeps two long names that share a prefix apart.
  const hash = sha256Hex(snakeName).slice(0, 6);
  return `${snakeName.slice(0, DB_USER_MAX - MIGRATION_USER_SUFFIX.length - hash.length - 1)}-${hash}${MIGRATION_USER_SUFFIX}`;
}

const SERVICE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
// Keeps every generated line that holds a name within the formatter's width, whatever the name.
const SERVICE_NAME_MAX = 30;

export function validateServiceName(name: string): string | undefined {
  return serviceNameProblem(name, true);
}

function serviceNameProblem(name: string, suggest: boolean): string | undefined {
  if (!name) return 'Service name is empty. Pass one with --service, e.g. --service payments.';
  if (name.length > SERVICE_NAME_MAX) {
    return `Service name "${name}" is longer than ${SERVICE_NAME_MAX} characters. Pick a shorter one.`;
  }
  if (!SERVICE_NAME.test(name)) {
    return `Invalid service name "${name}": use lowercase letters, digits and single dashes, starting with a letter (e.g. "${toValidServiceName(name) || 'payments'}").`;
  }
  // The generated repo uses both spellings: kebab-case as folder and compose service, snake_case as database.
  const { snakeName } = serviceNames(name);
  const reserved = findReservedName(name, snakeName);
  if (!reserved) return undefined;
  const problem = reserved.reason === 'sql-reserved'
    ? `${reserved.problem} (${snakeName === name ? 'it names' : `as "${snakeName}" it names`} the service's database)`
    : reserved.problem;
  const fix = suggest ? ` Pick another, e.g. "${alternative(name, reserved.reason === 'sql-reserved')}".` : '';
  return `Service name "${name}" ${problem}.${fix}`;
}

/** A valid name close to a reserved one: the plural of an SQL word (`order` -> `orders`), else `-svc`. */
function alternative(name: string, plural: boolean): string {
  const plurals = plural && /^[a-z]{3,}[a-rt-xz]$/.test(name) ? [name.replace(/(x|z|ch|sh)$/, '$1e') + 's'] : [];
  const candidates = [...plurals, `${name}-svc`, `my-${name}`, 'payments'];
  return candidates.find((candidate) => serviceNameProblem(candidate, false) === undefined)!;
}

export function toValidServiceName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, SERVICE_NAME_MAX);
}

export function assertServiceName(name: string): string {
  const problem = validateServiceName(name);
  if (problem) throw new UserInputError(problem);
  return name;
}

/**
 * The project name doubles as the npm scope of every workspace package
 * (`@my-app/api`), so it must be a valid, unscoped npm package name.
 */
export function validateProjectName(name: string): string | undefined {
  if (!name) {
    return 'Project name is empty. Pass a target directory, e.g. `create-startup-backend my-app`.';
  }
  const suggestion = toValidProjectName(name) || 'my-app';
  const fix = `Use a valid npm package name, e.g. "${suggestion}".`;
  const result = validateNpmPackageName(name);
  const problems = [...(result.errors ?? []), ...(result.warnings ?? [])];
  if (problems.length > 0 || name.startsWith('@')) {
    const reason = problems[0] ?? 'scoped names are not allowed here';
    return `Invalid project name "${name}": ${reason}. ${fix}`;
  }
  return undefined;
}

export function toValidProjectName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/^[._\-]+/, '')
    .replace(/[^a-z\d-]+/g, '-')
    .replace(/-+$/, '')
    .slice(0, 214)
    .replace(/^(node_modules|favicon\.ico)$/, '$1-app');
}
