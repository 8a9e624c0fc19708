export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** As create-vite's pkgFromUserAgent: `npm create`, `pnpm create` … say who ran them. */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent): PackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm';
}

export function runScriptCommand(pm: PackageManager, script: string): string {
  return pm === 'npm' ? `npm run ${script}` : `${pm} ${script}`;
}
