import { SCAFFOLDER } from '../generators/lockfile/scaffolder-package.js';

const REGISTRY_TIMEOUT_MS = 15_000;

/** The scaffolder's metadata (`/<version>` of one release) from the registry npm is configured with. */
export function fetchScaffolderMetadata(release = '', accept = 'application/json'): { url: string; response: Promise<Response> } {
  const registry = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');
  const url = `${registry}${SCAFFOLDER}${release ? `/${release}` : ''}`;
  return { url, response: fetch(url, { headers: { accept }, signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS) }) };
}
