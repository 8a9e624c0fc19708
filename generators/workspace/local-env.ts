import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBase64url } from '../shared/lazy-crypto.js';

const EXAMPLE_SUFFIX = '.env.example';
/** `change-me` or `change-me-<key>`: the same key gets the same secret in every file. */
const PLACEHOLDER = /change-me(?:-[a-z0-9-]*[a-z0-9])?/g;
const BARE_PLACEHOLDER = /^change-me(?:-[a-z0-9-]*[a-z0-9])?$/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export interface LocalEnvReport {
  /** `.env` files written from their example. */
  written: string[];
  /** Keys added at the end of an existing `.env` (a new service's database password). */
  appended: Array<{ file: string; keys: string[] }>;
}

/**
 * Writes `.env` beside every rendered `.env.example`, with a fresh random secret for each placeholder:
 * the root .env of the compose stack and a service's own .env then agree on that service's database
 * password. An existing `.env` is the user's: its values are never changed; a key its example has and
 * it lacks (a service added later) is appended, with the secret the other files use for it.
 */
export function writeLocalEnvFiles(root: string, renderedPaths: readonly string[]): LocalEnvReport {
  const examples = renderedPaths.filter((p) => p.endsWith(EXAMPLE_SUFFIX)).map((example) => {
    const source = path.join(root, example);
    const target = source.slice(0, -'.example'.length);
    // The user's .env, read once: undefined when there is none yet.
    const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    return { example: readFileSync(source, 'utf8'), target, current, file: example.slice(0, -'.example'.length) };
  });
  const secrets = existingSecrets(examples);
  const secretFor = (placeholder: string) => {
    if (!secrets.has(placeholder)) secrets.set(placeholder, randomBase64url(18));
    return secrets.get(placeholder)!;
  };
  const report: LocalEnvReport = { written: [], appended: [] };
  for (const { example, target, current, file } of examples) {
    if (current === undefined) {
      writeFileSync(target, example.replace(PLACEHOLDER, secretFor), { mode: 0o600 });
      report.written.push(file);
      continue;
    }
    const present = new Set(assignments(current).map(([key]) => key));
    const missing = assignments(example).filter(([key]) => !present.has(key));
    if (missing.length === 0) continue;
    const separator = current === '' || current.endsWith('\n') ? '' : '\n';
    appendFileSync(target, separator + missing.map(([key, value]) => `${key}=${value.replace(PLACEHOLDER, secretFor)}\n`).join(''));
    report.appended.push({ file, keys: missing.map(([key]) => key) });
  }
  return report;
}

/** The secrets already in the user's `.env` files, by the placeholder their example gives that key. */
function existingSecrets(examples: ReadonlyArray<{ example: string; current?: string }>): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const { example, current } of examples) {
    if (current === undefined) continue;
    const values = new Map(assignments(current));
    for (const [key, placeholder] of assignments(example)) {
      const value = values.get(key);
      if (BARE_PLACEHOLDER.test(placeholder) && value) secrets.set(placeholder, value);
    }
  }
  return secrets;
}

function assignments(text: string): Array<[string, string]> {
  return text.split(/\r?\n/).flatMap((line) => {
    const match = ASSIGNMENT.exec(line);
    return match ? [[match[1]!, match[2]!] as [string, string]] : [];
  });
}
