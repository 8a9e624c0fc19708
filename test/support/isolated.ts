import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../cli/run-cli.js';

/** Runs a command to the end; a missing command is an error naming it rather than a failed check. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', ...options, env: { ...process.env, ...options.env },
  });
  if (result.error) throw new Error(`${command} is needed: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

/**
 * Runs a command where `hostnames` resolve to 127.0.0.1 through a bind-mounted /etc/hosts (private
 * mount namespace: the machine's file is untouched), optionally in its own network namespace.
 * `mounts` bind more directories over existing ones the same way.
 */
export function isolated(
  hostnames: string[],
  command: string[],
  { network = false, mounts = [] as Array<[string, string]>, env = {} as NodeJS.ProcessEnv } = {},
) {
  const dir = tempDir('csb-hosts-');
  const hosts = path.join(dir, 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n::1 localhost\n${hostnames.length ? `127.0.0.1 ${hostnames.join(' ')}\n` : ''}`);
  // Debian's nginx writes its access log here: a private folder keeps the machine's log untouched.
  mkdirSync(path.join(dir, 'log'));
  const setup = [
    ...(network ? ['ip link set lo up'] : []),
    `mount --bind ${hosts} /etc/hosts`,
    `mount --bind ${path.join(dir, 'log')} /var/log/nginx`,
    ...mounts.map(([from, to]) => `mount --bind ${from} ${to}`),
  ].join(' && ');
  return run('unshare', ['--mount', ...(network ? ['--net'] : []), 'sh', '-c', `${setup} && exec "$@"`, 'sh', ...command], { env });
}

export function nginxTest(config: string, hostnames: string[]) {
  return isolated(hostnames, ['nginx', '-t', '-c', config]);
}
