import { compareVersions } from '../versions.js';
import { perServiceAlertRules } from './0.3.0.js';
import type { Migration } from './migration.js';

export type { FileMove, Migration } from './migration.js';

/** Every release's migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [perServiceAlertRules];

/** The migrations of the releases after `from` up to and including `to`, in version order. */
export function migrationsBetween(from: string, to: string, migrations: readonly Migration[] = MIGRATIONS): Migration[] {
  return migrations
    .filter((migration) => compareVersions(migration.version, from) > 0 && compareVersions(migration.version, to) <= 0)
    .sort((a, b) => compareVersions(a.version, b.version));
}
