import type { ServiceAnswers } from './answers.js';
import { serviceNames, type ServiceNames } from './names.js';

/** The spellings that end up as identifiers somewhere in the repo, and where, for the error. */
const SPELLINGS: Array<[keyof ServiceNames, string]> = [
  ['name', 'folder and compose service'],
  ['snakeName', 'database and database user'],
  ['constantName', 'environment variables'],
  ['className', 'IDL service and TypeScript types'],
  ['propertyName', 'variables in the generated code'],
];

/** Each service also owns `<snake>_test`, its tests' database. */
const TEST_DATABASE_SUFFIX = '_test';

/**
 * Why a new service name cannot live beside the recorded ones, or undefined. Two names can differ and
 * still collide once spelled for a database (`a-1b` and `a1b` are both `A1B`), and a name can take
 * another service's test database (`orders-test` is `orders_test`).
 */
export function serviceCollision(name: string, existing: readonly ServiceAnswers[]): string | undefined {
  const spellings = serviceNames(name);
  for (const other of existing) {
    if (other.name === name) {
      return `Service "${name}" already exists (services/${name}): pick another name.`;
    }
    const otherSpellings = serviceNames(other.name);
    const shared = SPELLINGS.find(([key]) => spellings[key] === otherSpellings[key]);
    if (shared) {
      const [key, where] = shared;
      return `Service name "${name}" collides with service "${other.name}": both are "${spellings[key]}" as ${where}. Pick another name.`;
    }
    if (spellings.snakeName === `${otherSpellings.snakeName}${TEST_DATABASE_SUFFIX}`) {
      return `Service name "${name}" collides with service "${other.name}": its database "${spellings.snakeName}" is the test database of "${other.name}". Pick another name.`;
    }
    if (otherSpellings.snakeName === `${spellings.snakeName}${TEST_DATABASE_SUFFIX}`) {
      return `Service name "${name}" collides with service "${other.name}": its test database would be "${otherSpellings.snakeName}", the database of "${other.name}". Pick another name.`;
    }
  }
  return undefined;
}
