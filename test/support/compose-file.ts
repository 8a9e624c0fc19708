import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

type ComposeService = {
  entrypoint?: string[];
  command?: string | string[];
  environment?: Record<string, string>;
};

/** A rendered repo's docker-compose.yml as written (not through `docker-compose config`). */
export function readComposeFile(repo: string): { services: Record<string, ComposeService> } {
  // Not unique when a service takes a stack service's name (compose then keeps the last one).
  return parse(readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8'), { uniqueKeys: false }) as {
    services: Record<string, ComposeService>;
  };
}

/** The script db-init's container runs (`sh -c` with compose's `$$` unescaped). */
export function dbInitScript(repo: string): string {
  const { entrypoint, command } = readComposeFile(repo).services['db-init']!;
  if (entrypoint?.join(' ') !== 'sh -c' || !Array.isArray(command) || command.length !== 1) {
    throw new Error(`db-init is no longer one \`sh -c\` script: ${JSON.stringify({ entrypoint, command })}`);
  }
  return command[0]!.replaceAll('$$', '$');
}
