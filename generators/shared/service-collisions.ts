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

/** Names each service also gives to things of its own: its tests' database, its compose migration job. */
const DERIVED: Array<{ key: keyof ServiceNames; suffix: string; own: string; derived: string }> = [
  { key: 'snakeName', suffix: '_test', own: 'database', derived: 'test database' },
  { key: 'name', suffix: '-migrate', own: 'compose service', derived: 'migration job' },
];

/**
 * Why a new service name cannot live beside the recorded ones, or undefined. Two names can differ and
 * still collide once spelled for a database (`a-1b` and `a1b` are both `A1B`), and a name can take
 * another service's test database (`orders-test` is `orders_test`) or migration job (`orders-migrate`).
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
    for (const { key, suffix, own, derived } of DERIVED) {
      if (spellings[key] === `${otherSpellings[key]}${suffix}`) {
        return `Service name "${name}" collides with service "${other.name}": its ${own} "${spellings[key]}" is the ${derived} of "${other.name}". Pick another name.`;
      }
      if (otherSpellings[key] === `${spellings[key]}${suffix}`) {
        return `Service name "${name}" collides with service "${other.name}": its ${derived} would be "${otherSpellings[key]}", the ${own} of "${other.name}". Pick another name.`;
      }
    }
  }
  return undefined;
}
