/**
 * The package managers a generated repo can be made for. `npm create` and
 * `pnpm create` pick theirs; `--package-manager` overrides. yarn and bun are
 * not supported yet (their lockfiles, workspaces and scripts differ).
 */
export const PACKAGE_MANAGERS = ['npm', 'pnpm'] as const;

export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** What repos made before the answers file recorded it (0.1.0) were made for. */
export const DEFAULT_PACKAGE_MANAGER: PackageManager = 'npm';

export function isPackageManager(value: unknown): value is PackageManager {
  return (PACKAGE_MANAGERS as readonly unknown[]).includes(value);
}
