import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdGetPrefix, freePorts, startEtcd, startMariaDb, type EtcdServer, type MariaDb } from '../support/servers.js';
import { runCreate, tempDir } from '../cli/run-cli.js';
import { NODE24, node24Env } from '../support/node24.js';

/**
 * A repo grown as a team grows it: created with one service, committed, then a service added through the
 * repo's `npm run new:service` and one through `npx plop service` (each runs the pinned `startup-backend add
 * service`, which installs), committing in between. The grown repo installs, lints, type-checks and passes
 * its own tests, integration included, each service on a test database of its own and as a database user
 * allowed that database only; every built service
 * runs against its own database and registers in real etcd.
 */
const SERVICES = ['orders', 'payments', 'ledger'];
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Team', GIT_AUTHOR_EMAIL: 'team@example.com', GIT_COMMITTER_NAME: 'Team', GIT_COMMITTER_EMAIL: 'team@example.com',
};

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: node24Env({ ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...GIT_IDENTITY, ...env }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
  }
}

describe('a repo grown to three services with npm run new:service and plop service', () => {
  let etcd: EtcdServer;
  let mariadb: MariaDb;
  let repo: string;
  const added: Record<string, { stdout: string; lockfileAfterAdd: string }> = {};

  beforeAll(async () => {
    [etcd, mariadb] = await Promise.all([startEtcd(), startMariaDb()]);
    const cwd = tempDir('csb-grown-');
    const created = runCreate(['shop', '--yes', '--service', SERVICES[0]!], { cwd, env: node24Env({ ...process.env, ...GIT_IDENTITY }) });
    expect(created.status, created.stderr).toBe(0);
    repo = path.join(cwd, 'shop');
    // The repo's own commands, which run the create-startup-backend release it pins (installed from the
    // test registry it was published to): `npm run new:service`, then plop without a question.
    const commands: Record<string, [string, string[]]> = {
      [SERVICES[1]!]: ['npm', ['run', 'new:service', '--', SERVICES[1]!]],
      [SERVICES[2]!]: ['npx', ['plop', 'service', SERVICES[2]!]],
    };
    for (const name of SERVICES.slice(1)) {
      const [command, args] = commands[name]!;
      const result = sh(command, args, repo);
      expect(result.status, result.output).toBe(0);
      added[name] = { stdout: result.output, lockfileAfterAdd: readFileSync(path.join(repo, 'package-lock.json'), 'utf8') };
      expect(sh('git', ['add', '--all'], repo).status).toBe(0);
      expect(sh('git', ['commit', '--quiet', '-m', `feat: add service ${name}`], repo).status).toBe(0);
    }
  }, 900_000);

  afterAll(async () => {
    await Promise.all([etcd?.stop(), mariadb?.stop()]);
  });

  it('records three services with distinct ports, and the lockfile it wrote is the one npm install keeps', () => {
    const answers = JSON.parse(readFileSync(path.join(repo, '.startup-backend.json'), 'utf8')) as {
      services: Array<{ name: string; rpcPort: number; httpPort: number }>;
    };
    expect(answers.services.map((s) => s.name)).toEqual(SERVICES);
    expect(new Set(answers.services.flatMap((s) => [s.rpcPort, s.httpPort])).size).toBe(SERVICES.length * 2);
    for (const name of SERVICES.slice(1)) {
      expect(added[name]!.stdout).toMatch(/^UPDATE +package-lock\.json$/m);
      expect(added[name]!.stdout).toMatch(/Installed dependencies with npm|Added service/);
    }
    // The install after the last add changed nothing the add wrote.
    expect(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')).toBe(added[SERVICES.at(-1)!]!.lockfileAfterAdd);
    expect(sh('git', ['status', '--porcelain'], repo).output.trim()).toBe('');
    const ci = sh('npm', ['ci'], repo);
    expect(ci.status, ci.output).toBe(0);
  }, 300_000);

  it('refuses through plop and npm run as the command does: the reason, exit 1, nothing written', () => {
    const existing = sh('npx', ['plop', 'service', SERVICES[0]!], repo);
    expect(existing.status).toBe(1);
    expect(existing.output).toContain(`error Service "${SERVICES[0]}" already exists (services/${SERVICES[0]}): pick another name.`);
    const invalid = sh('npx', ['plop', 'service', 'Bad_Name'], repo);
    expect(invalid.status).toBe(1);
    expect(invalid.output).toContain('"Bad_Name" does not match');
    const unnamed = sh('npx', ['plop', 'service'], repo);
    expect(unnamed.status).toBe(1);
    expect(unnamed.output.trim()).toBe('error Missing the service name: npx plop service <name>');
    const reserved = sh('npm', ['run', 'new:service', '--', 'select'], repo);
    expect(reserved.status).toBe(1);
    expect(reserved.output).toMatch(/^error .*select.*$/m);
    expect(sh('git', ['status', '--porcelain'], repo).output.trim()).toBe('');
  }, 120_000);

  it.each(['lint', 'format:check', 'typecheck', 'ops:check'])('passes its own %s', (script) => {
    const result = sh('npm', ['run', script], repo);
    expect(result.status, result.output).toBe(0);
  }, 300_000);

  it('passes its own tests, integration included and none skipped, each service on its own test database', async () => {
    const result = sh('npm', ['test'], repo, {
      REQUIRE_INTEGRATION: '1',
      // A server without a database, as in the pipelines: each service's tests make <service>_test.
      TEST_DATABASE_URL: `${mariadb.rootUrl}/`,
      TEST_ETCD_ENDPOINTS: etcd.endpoint,
    });
    expect(result.status, result.output).toBe(0);
    expect(result.output.match(/Tests\s+\d+ passed \(\d+\)/g)?.length ?? 0).toBeGreaterThanOrEqual(SERVICES.length);
    expect(result.output).not.toMatch(/skipped/i);
    const databases = await mariadb.query('SHOW DATABASES');
    for (const name of SERVICES) {
      expect(databases.split('\n')).toContain(`${name}_test`);
      // The tests ran as a user of their own, allowed their database only.
      const grants = (await mariadb.query(`SHOW GRANTS FOR '${name}_t'@'%'`)).split('\n').slice(1).filter(Boolean);
      expect(grants).toEqual([
        expect.stringMatching(/^GRANT USAGE ON \*\.\* TO `[\w]+`@`%` IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}'$/),
        // The mariadb client's batch output doubles the backslash of GRANT's escaped `_`.
        `GRANT ALL PRIVILEGES ON \`${name}\\\\_test\`.* TO \`${name}_t\`@\`%\``,
      ]);
    }
  }, 600_000);

  describe('every built service, run as a process with its own database', () => {
    const processes: ChildProcess[] = [];

    beforeAll(async () => {
      const build = sh('npm', ['run', 'build'], repo);
      expect(build.status, build.output).toBe(0);
      const ports = await freePorts(SERVICES.length * 2);
      for (const [index, name] of SERVICES.entries()) {
        const databaseUrl = await mariadb.createDatabase(name, name, `${name}-password`);
        let logs = '';
        const child = spawn(NODE24, ['dist/main.js'], {
          cwd: path.join(repo, 'services', name),
          env: {
            ...process.env, DATABASE_URL: databaseUrl, ETCD_ENDPOINTS: etcd.endpoint, ADVERTISE_HOST: '127.0.0.1',
            RPC_PORT: String(ports[index * 2]), HTTP_PORT: String(ports[index * 2 + 1]), REGISTRY_TTL_SECONDS: '5',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (chunk: Buffer) => (logs += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
        processes.push(child);
        await waitForHttp(`http://127.0.0.1:${ports[index * 2 + 1]}/readyz`, 30_000).catch((error: Error) => {
          throw new Error(`${name}: ${error.message}\n${logs}`);
        });
      }
    }, 300_000);

    afterAll(async () => {
      await Promise.all(processes.map((child) => {
        if (child.exitCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return exited;
      }));
    });

    it('lets each later service call the first through etcd with its typed client (src/clients/<first>.ts)', async () => {
      const [first, ...later] = SERVICES;
      for (const name of later) {
        // Run from the built service, as its own code would call it: registry from its factory, the client's connect().
        const script = `
          import * as peer from "./dist/clients/${first}.js";
          import { createLogger } from "./dist/logger.js";
          import { createRegistry } from "./dist/registry/factory.js";
          const registry = createRegistry({ endpoints: [process.env.ETCD], keyPrefix: "/services/" }, { ttlSeconds: 5, logger: createLogger("silent") });
          const client = await peer.connect(registry);
          const item = await client.createItem({ name: "from ${name}" });
          console.log(JSON.stringify(await client.getItem({ id: item.id })));
          await client.close();
          await registry.close();`;
        const result = sh(NODE24, ['--input-type=module', '-e', script], path.join(repo, 'services', name), { ETCD: etcd.endpoint });
        expect(result.status, result.output).toBe(0);
        expect(JSON.parse(result.output.trim().split('\n')[0]!)).toMatchObject({ name: `from ${name}` });
        // The item is in the first service's own database: the call reached the running process.
        expect(await mariadb.query(`SELECT name FROM \`${first}\`.items WHERE name = 'from ${name}'`)).toContain(`from ${name}`);
      }
    });

    it('registers each in etcd, and each applied its migrations to its own database', async () => {
      for (const name of SERVICES) {
        const keys = await etcdGetPrefix(etcd.endpoint, `/services/${name}/`);
        expect(keys, name).toHaveLength(1);
        const tables = await mariadb.query(`SHOW TABLES FROM \`${name}\``);
        expect(tables, name).toMatch(/items/);
      }
    });
  });
});
