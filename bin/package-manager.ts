import { UserInputError } from '../generators/shared/choices.js';
import { PACKAGE_MANAGERS, isPackageManager, type PackageManager } from '../generators/shared/package-managers.js';

/** Every package manager the CLI can recognise; only PACKAGE_MANAGERS are supported. */
export const KNOWN_PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;
export type KnownPackageManager = (typeof KNOWN_PACKAGE_MANAGERS)[number];

/** As create-vite's pkgFromUserAgent: `npm create`, `pnpm create` … say who ran them. */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent): KnownPackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm';
}

const PICK_ONE = PACKAGE_MANAGERS.map((pm) => `--package-manager ${pm}`).join(' or ');

/**
 * `--package-manager` if given, else the one that ran `create`. An unsupported one is refused
 * before anything is asked or written, with the flag that picks a supported one.
 */
export function resolvePackageManager(flag: string | undefined, userAgent = process.env.npm_config_user_agent): PackageManager {
  if (flag !== undefined) {
    if (isPackageManager(flag)) return flag;
    if ((KNOWN_PACKAGE_MANAGERS as readonly string[]).includes(flag)) {
      throw new UserInputError(`${flag} is not supported yet: use ${PICK_ONE}.`);
    }
    throw new UserInputError(`Unknown --package-manager value "${flag}". Valid values: ${PACKAGE_MANAGERS.join(', ')}.`);
  }
  const detected = detectPackageManager(userAgent);
  if (isPackageManager(detected)) return detected;
  throw new UserInputError(
    `${detected} is not supported yet (this run was started by ${detected}): pass ${PICK_ONE}, e.g. \`${detected} create startup-backend my-app --package-manager npm\`.`,
  );
}

export function runScriptCommand(pm: PackageManager, script: string): string {
  if (script === 'test') return `${pm} test`;
  return pm === 'npm' ? `npm run ${script}` : `${pm} ${script}`;
}

export function installCommand(pm: PackageManager): string {
  return `${pm} install`;
}
