import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const EXAMPLE_SUFFIX = '.env.example';
/** `change-me` or `change-me-<key>`: the same key gets the same secret in every file. */
const PLACEHOLDER = /change-me(?:-[a-z0-9-]*[a-z0-9])?/g;

/**
 * Writes `.env` beside every rendered `.env.example`, with a fresh random
 * secret for each placeholder: the root .env of the compose stack and a
 * service's own .env then agree on that service's database password. An
 * existing `.env` is the user's: left alone.
 */
export function writeLocalEnvFiles(root: string, renderedPaths: readonly string[]): void {
  const secrets = new Map<string, string>();
  const secretFor = (placeholder: string) => {
    if (!secrets.has(placeholder)) secrets.set(placeholder, randomBytes(18).toString('base64url'));
    return secrets.get(placeholder)!;
  };
  for (const example of renderedPaths.filter((p) => p.endsWith(EXAMPLE_SUFFIX))) {
    const source = path.join(root, example);
    const target = source.slice(0, -'.example'.length);
    if (existsSync(target)) continue;
    writeFileSync(target, readFileSync(source, 'utf8').replace(PLACEHOLDER, secretFor), { mode: 0o600 });
  }
}
