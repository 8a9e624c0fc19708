import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SECRET_KEY = /(_PASSWORD|_SECRET|_TOKEN)$/;
const PLACEHOLDER = /^(change-me|)$/;

/**
 * Writes `.env` from the committed `.env.example`, replacing every placeholder
 * secret with a fresh random one. An existing `.env` is the user's: left alone.
 */
export function writeLocalEnv(root: string): void {
  const example = path.join(root, '.env.example');
  const target = path.join(root, '.env');
  if (!existsSync(example) || existsSync(target)) return;
  const lines = readFileSync(example, 'utf8').split('\n');
  const filled = lines.map((line) => {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match || !SECRET_KEY.test(match[1]!) || !PLACEHOLDER.test(match[2]!)) return line;
    return `${match[1]}=${randomBytes(18).toString('base64url')}`;
  });
  writeFileSync(target, filled.join('\n'), { mode: 0o600 });
}
