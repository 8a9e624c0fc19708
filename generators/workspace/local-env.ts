import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const EXAMPLE_SUFFIX = '.env.example';
const PLACEHOLDER = /change-me/g;

/**
 * Writes `.env` beside every rendered `.env.example`, with one fresh random
 * password in place of each file's "change-me" placeholder (the same user
 * appears in several URLs of one file). An existing `.env` is the user's: left alone.
 */
export function writeLocalEnvFiles(root: string, renderedPaths: readonly string[]): void {
  for (const example of renderedPaths.filter((p) => p.endsWith(EXAMPLE_SUFFIX))) {
    const source = path.join(root, example);
    const target = source.slice(0, -'.example'.length);
    if (existsSync(target)) continue;
    const secret = randomBytes(18).toString('base64url');
    writeFileSync(target, readFileSync(source, 'utf8').replace(PLACEHOLDER, secret), { mode: 0o600 });
  }
}
