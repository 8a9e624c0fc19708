import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedInRepo, runCreate, runStartupBackend, tempDir, type CliResult } from './run-cli.js';

/**
 * `startup-backend add service`, run as a user runs it, on a repo made by `create` and committed. The
 * cases of ../shared/upgrade-scenarios.md that apply to `add` are named by their number.
 */
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Team', GIT_AUTHOR_EMAIL: 'team@example.com', GIT_COMMITTER_NAME: 'Team', GIT_COMMITTER_EMAIL: 'team@example.com',
};
let template: string;

beforeAll(() => {
  const cwd = tempDir('csb-add-template-');
  const created = runCreate(['shop', '--yes', '--no-install', '--service', 'orders'], { cwd, env: GIT_IDENTITY });
  expect(created.status, created.stderr).toBe(0);
  template = path.join(cwd, 'shop');
});

/** A fresh copy of the generated, committed repo. */
function repo(): string {
  const dir = path.join(tempDir('csb-add-'), 'shop');
  cpSync(template, dir, { recursive: true });
  return dir;
}

// safe.directory: one test hands the repo to another user.
const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'safe.directory=*', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...GIT_IDENTITY } });
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const commitAll = (dir: string, message = 'team edits') => git(dir, 'commit', '--quiet', '-am', message);
const add = (dir: string, args: string[], cwd = dir): CliResult => runStartupBackend(['add', 'service', ...args], { cwd, env: GIT_IDENTITY });
const addPayments = (dir: string, ...extra: string[]) => add(dir, ['payments', '--no-install', ...extra]);

function edit(dir: string, file: string, change: (text: string) => string): void {
  const before = read(dir, file);
  const after = change(before);
  expect(after, `${file}: the edit applies`).not.toBe(before);
  writeFileSync(path.join(dir, file), after);
}


describe('startup-backend add service', () => {
  it('adds a complete service: code, its own database and user, compose, gateway, CI, scrape target, alerts, dashboard, runbooks, CODEOWNERS', () => {
    const dir = repo();
    const result = add(path.join(dir, 'services', 'orders', 'src'), ['payments', '--no-install']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Added service payments/);
    const answers = JSON.parse(read(dir, '.startup-backend.json')) as { services: Array<{ name: string; rpcPort: number; httpPort: number }> };
    expect(answers.services).toEqual([
      { name: 'orders', rpcPort: 50051, httpPort: 9464 },
      { name: 'payments', rpcPort: 50052, httpPort: 9465 },
    ]);
    expect(existsSync(path.join(dir, 'services/payments/src/main.ts'))).toBe(true);
    expect(read(dir, 'docker-compose.yml')).toMatch(/^ {2}payments:\n {4}build:/m);
    expect(read(dir, 'docker-compose.yml')).toContain("CREATE USER IF NOT EXISTS 'payments'@'%'");
    expect(read(dir, 'ops/nginx/services/payments.routes.conf')).toContain('location /payments.v1.PaymentsService/');
    expect(read(dir, 'ops/nginx/gateway.conf')).toBe(read(template, 'ops/nginx/gateway.conf'));
    expect(read(dir, '.gitlab/ci/services/payments.yml')).toMatch(/^build:payments:\n {2}extends: \.build$/m);
    expect(read(dir, 'ops/prometheus/targets/payments.yml')).toContain('payments:9465');
    expect(read(dir, 'ops/prometheus/rules/payments.yml')).toContain('name: service-payments');
    expect(read(dir, 'ops/prometheus/tests/payments.test.yml')).toContain('../rules/payments.yml');
    expect(existsSync(path.join(dir, 'ops/grafana/dashboards/payments.json'))).toBe(true);
    expect(read(dir, 'docs/runbooks/service-down.md')).toContain('payments');
    expect(read(dir, '.gitlab/CODEOWNERS')).toMatch(/^\/services\/payments\/ +@your-org\/backend$/m);
    // Its local settings, with a database password the root .env (compose's db-init) agrees on.
    const password = /^PAYMENTS_DB_PASSWORD=(.+)$/m.exec(read(dir, '.env'))?.[1];
    expect(password).toMatch(/^[\w-]{20,}$/);
    expect(read(dir, 'services/payments/.env')).toContain(`mysql://payments:${password}@127.0.0.1:3306/payments\n`);
    // And its schema owner's (the migration job's), a password of its own.
    const ownerPassword = /^PAYMENTS_DB_MIGRATION_PASSWORD=(.+)$/m.exec(read(dir, '.env'))?.[1];
    expect(ownerPassword).toMatch(/^[\w-]{20,}$/);
    expect(ownerPassword).not.toBe(password);
    expect(read(dir, 'services/payments/.env')).toContain(`MIGRATION_DATABASE_URL=mysql://payments-migrate:${ownerPassword}@127.0.0.1:3306/payments\n`);
    expect(read(dir, '.env')).toContain(/^ORDERS_DB_PASSWORD=(.+)$/m.exec(read(template, '.env'))![0]);
  });

  it('--rpc thrift in a gRPC repo: a Thrift service with its own gateway listener, recorded as such; the next one is gRPC again', () => {
    const dir = repo();
    const result = add(dir, ['billing', '--rpc', 'thrift', '--no-install']);
    expect(result.status, result.stderr).toBe(0);
    const services = () => (JSON.parse(read(dir, '.startup-backend.json')) as { services: Array<Record<string, unknown>> }).services;
    expect(services()[1]).toEqual({ name: 'billing', rpc: 'thrift', rpcPort: 50052, httpPort: 9465 });
    expect(existsSync(path.join(dir, 'services/billing/thrift/billing.thrift'))).toBe(true);
    expect(existsSync(path.join(dir, 'services/billing/proto'))).toBe(false);
    const manifest = JSON.parse(read(dir, 'services/billing/package.json')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toContain('thrift');
    expect(Object.keys(manifest.dependencies)).not.toContain('@grpc/grpc-js');
    // The first Thrift service has no Thrift peer to get a client of; a gRPC client would need gRPC's libraries.
    expect(existsSync(path.join(dir, 'services/billing/src/clients'))).toBe(false);
    expect(read(dir, 'ops/nginx/services/billing.stream.conf')).toContain('listen 40052;');
    expect(read(dir, 'ops/nginx/gateway.conf')).toContain('include services/*.stream.conf;');
    expect(read(dir, 'ops/nginx/gateway.conf')).toContain('include services/*.routes.conf;');
    expect(read(dir, 'docker-compose.yml')).toContain('- "127.0.0.1:40052:40052"');
    expect(read(dir, 'docker-compose.yml')).not.toContain('- "127.0.0.1:40051:40051"');
    expect(read(dir, 'README.md')).toMatch(/^## RPC: Thrift$/m);
    expect(read(dir, 'docs/adr/0001-stack.md')).toMatch(/^- \*\*RPC: Thrift for billing\.\*\*/m);

    git(dir, 'add', '--all');
    commitAll(dir, 'billing');
    expect(add(dir, ['payments', '--no-install']).status).toBe(0);
    expect(services()[2]).toEqual({ name: 'payments', rpcPort: 50053, httpPort: 9466 });
    expect(existsSync(path.join(dir, 'services/payments/proto/payments.proto'))).toBe(true);
    expect(existsSync(path.join(dir, 'services/payments/src/clients/orders.ts'))).toBe(true);
    // --rpc naming the repository's own framework records nothing.
    git(dir, 'add', '--all');
    commitAll(dir, 'payments');
    expect(add(dir, ['ledger', '--rpc', 'grpc', '--no-install']).status).toBe(0);
    expect(services()[3]).toEqual({ name: 'ledger', rpcPort: 50054, httpPort: 9467 });
  });

  it('keeps every line the team wrote in compose, the pipeline, README, CODEOWNERS, alerts and a service (cases 3, 14, 18)', () => {
    const dir = repo();
    const teamLines: Record<string, string[]> = {
      // Case 3: the team appended to the same lists the new service joins.
      'docker-compose.yml': ['  redis:', '    image: "redis:7.4" # pinned by the team', '    restart: unless-stopped'],
      '.gitlab-ci.yml': ['smoke:', '  stage: test', "  script: ['echo smoke']"],
      'ops/prometheus/prometheus.yml': ['  - job_name: node', '    static_configs:', '      - targets: ["node-exporter:9100"]'],
      'README.md': ['## Team notes', 'Our on-call handbook lives in Notion.'],
      // Case 18: a team rule after the generated block must stay last (the last match wins).
      '.gitlab/CODEOWNERS': ['/docs/                 @acme/writers', '*.sql                  @acme/dba'],
      'services/orders/src/main.ts': ['// team: keep this import order'],
    };
    edit(dir, 'docker-compose.yml', (text) => text.replace('\nvolumes:\n', `\n${teamLines['docker-compose.yml']!.join('\n')}\n\nvolumes:\n`));
    for (const file of ['.gitlab-ci.yml', 'ops/prometheus/prometheus.yml', 'README.md', '.gitlab/CODEOWNERS']) appendFileSync(path.join(dir, file), `\n${teamLines[file]!.join('\n')}\n`);
    edit(dir, 'services/orders/src/main.ts', (text) => `${teamLines['services/orders/src/main.ts']![0]}\n${text}`);
    // An edited alert threshold, with a comment (case 14).
    edit(dir, 'ops/prometheus/rules/orders.yml', (text) => text.replace(/for: 2m/, "for: 5m # team: 2m paged too often"));
    teamLines['ops/prometheus/rules/orders.yml'] = ['        for: 5m # team: 2m paged too often'];
    commitAll(dir);

    const result = addPayments(dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^MERGE +docker-compose\.yml$/m);
    for (const [file, lines] of Object.entries(teamLines)) {
      const text = read(dir, file);
      for (const line of lines) expect(text.split('\n'), `${file}: ${line}`).toContain(line);
    }
    // Only additions: nothing the team wrote was reformatted, reordered or requoted (case 14).
    for (const file of ['docker-compose.yml', '.gitlab/CODEOWNERS']) {
      const [added, deleted] = git(dir, 'diff', '--numstat', '--', file).trim().split(/\s+/);
      expect(Number(added), file).toBeGreaterThan(0);
      expect(deleted, `${file} only gains lines`).toBe('0');
    }
    // Each service's Prometheus, gateway and GitLab files are its own: the team's edits there are not even merged.
    expect(git(dir, 'diff', '--name-only', '--', 'ops/prometheus/prometheus.yml', 'ops/prometheus/rules/orders.yml', '.gitlab-ci.yml', 'ops/nginx/gateway.conf')).toBe('');
    const owners = read(dir, '.gitlab/CODEOWNERS').trimEnd().split('\n');
    expect(owners.slice(-2)).toEqual(teamLines['.gitlab/CODEOWNERS']);
    expect(owners.findIndex((line) => line.startsWith('/services/payments/'))).toBeLessThan(owners.indexOf(teamLines['.gitlab/CODEOWNERS']![0]!));
    expect(read(dir, 'services/orders/src/main.ts')).toBe(read(template, 'services/orders/src/main.ts').replace(/^/, `${teamLines['services/orders/src/main.ts']![0]}\n`));
  });

  it('--dry-run prints the per-file plan with unified diffs and writes nothing', () => {
    const dir = repo();
    edit(dir, 'README.md', (text) => `${text}\nTeam line.\n`);
    commitAll(dir);
    const result = addPayments(dir, '--dry-run');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^CREATE +services\/payments\/src\/main\.ts$/m);
    expect(result.stdout).toMatch(/^UPDATE +docker-compose\.yml$/m);
    expect(result.stdout).toMatch(/^MERGE +README\.md$/m);
    expect(result.stdout).toContain('diff --git a/docker-compose.yml b/docker-compose.yml');
    expect(result.stdout).toMatch(/^\+ {2}payments:$/m);
    expect(result.stdout).toMatch(/Dry run: nothing was written\.\n$/);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('a team edit on the lines the service needs: conflict markers in the listed files only, exit 1 (cases 1, 13, 15)', () => {
    const dir = repo();
    // Case 15: the team removed the line the new service's line is added beside.
    edit(dir, '.gitlab/CODEOWNERS', (text) => text.replace(/^\/services\/orders\/ .*\n/m, '/services/orders/src/  @acme/orders-team\n'));
    commitAll(dir);
    const result = addPayments(dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^CONFLICT +\.gitlab\/CODEOWNERS$/m);
    expect(result.stderr).toMatch(/1 file has conflicts \(\.gitlab\/CODEOWNERS\): resolve the <<<<<<< markers/);
    const withMarkers = git(dir, 'grep', '-l', '--untracked', '-e', '^<<<<<<< yours$').trim().split('\n');
    expect(withMarkers).toEqual(['.gitlab/CODEOWNERS']);
    expect(read(dir, '.gitlab/CODEOWNERS')).toMatch(/<<<<<<< yours\n\/services\/orders\/src\/  @acme\/orders-team\n=======\n\/services\/orders\/ +@your-org\/backend\n\/services\/payments\/ +@your-org\/backend\n>>>>>>> startup-backend\n/);
    // The other files were still merged and written (case 13): the run finished.
    expect(read(dir, 'docker-compose.yml')).toMatch(/^ {2}payments:$/m);
  });

  it("a team line right where the new service's line goes: a conflict that keeps it, never a dropped line (case 2)", () => {
    const dir = repo();
    const teamLine = '      TEAM_AUDIT_PASSWORD: "${TEAM_AUDIT_PASSWORD:?set it in .env}"';
    edit(dir, 'docker-compose.yml', (text) => text.replace(/^( {6}ORDERS_DB_MIGRATION_PASSWORD: .*)$/m, `$1\n${teamLine}`));
    commitAll(dir);
    const result = addPayments(dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^CONFLICT +docker-compose\.yml$/m);
    const compose = read(dir, 'docker-compose.yml');
    expect(compose).toMatch(new RegExp(`<<<<<<< yours\\n${teamLine.replace(/[$?{}()]/g, '\\$&')}\\n=======\\n {6}PAYMENTS_DB_PASSWORD: .*\\n {6}PAYMENTS_DB_MIGRATION_PASSWORD: .*\\n>>>>>>> startup-backend\\n`));
  });

  it("ignored local files are never touched: .env values, a service's .env, other .env.* files (case 10)", () => {
    const dir = repo();
    writeFileSync(path.join(dir, '.env.staging'), 'DOCKER_HOST=ssh://deploy@staging\n');
    appendFileSync(path.join(dir, 'services/orders/.env'), 'LOG_LEVEL=debug\n');
    const before = { root: read(dir, '.env'), orders: read(dir, 'services/orders/.env') };
    const result = addPayments(dir);
    expect(result.status, result.stderr).toBe(0);
    expect(read(dir, '.env.staging')).toBe('DOCKER_HOST=ssh://deploy@staging\n');
    expect(read(dir, 'services/orders/.env')).toBe(before.orders);
    // The root .env only gains the new service's keys, at its end.
    expect(read(dir, '.env').startsWith(before.root)).toBe(true);
    expect(read(dir, '.env').slice(before.root.length)).toMatch(/^PAYMENTS_DB_PASSWORD=[\w-]+\nPAYMENTS_DB_MIGRATION_PASSWORD=[\w-]+\n$/);
  });

  it('merges a CRLF file and keeps its line endings (case 17)', () => {
    const dir = repo();
    edit(dir, 'README.md', (text) => `${text}Team line with trailing spaces   \n`.replace(/\n/g, '\r\n'));
    commitAll(dir);
    const result = addPayments(dir);
    expect(result.status, result.stderr).toBe(0);
    const readme = read(dir, 'README.md');
    expect(readme).toContain('Team line with trailing spaces   \r\n');
    expect(readme.replace(/\r\n/g, '')).not.toContain('\n');
    expect(readme).toContain('services/payments');
  });

  it('the same command twice: refused, nothing changed, nothing duplicated (case 16)', () => {
    const dir = repo();
    expect(addPayments(dir).status).toBe(0);
    git(dir, 'add', '--all');
    commitAll(dir, 'add payments');
    expectRefusedInRepo(dir, addPayments(dir), /Service "payments" already exists \(services\/payments\): pick another name\./);
  });

  it('a dirty working tree is refused before anything is touched, unless --allow-dirty (case 11)', () => {
    const dir = repo();
    appendFileSync(path.join(dir, 'README.md'), 'uncommitted\n');
    const refused = addPayments(dir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/uncommitted changes \(README\.md\): commit or stash them first, or pass --allow-dirty\./);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe(' M README.md\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'untracked\n');
    git(dir, 'checkout', '--', 'README.md');
    expectRefusedWithUntracked(dir);
    const allowed = addPayments(dir, '--allow-dirty');
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(read(dir, 'notes.txt')).toBe('untracked\n');
  });

  it('a failure halfway through writing leaves every file as it was and the answers file not advanced (case 12)', () => {
    if (process.getuid?.() !== 0) return void expect.soft(process.getuid?.(), 'needs root to run the CLI as another user').toBe(0);
    const dir = repo();
    // The CLI runs as nobody; one folder it must write to stays root's, so staging fails there,
    // after other files have been staged.
    execFileSync('chown', ['-R', '65534:65534', path.dirname(dir)]);
    chownSync(path.join(dir, 'scripts'), 0, 0);
    chmodSync(path.join(dir, 'scripts'), 0o755);
    const result = runStartupBackend(['add', 'service', 'payments', '--no-install'], {
      cwd: dir,
      env: { ...GIT_IDENTITY, HOME: dir, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' },
      prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error Could not write scripts\/\S+ \(EACCES: permission denied.*\): nothing was changed\. Fix that/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all', '--ignored')).toBe(
      git(template, 'status', '--porcelain', '--untracked-files=all', '--ignored'),
    );
    expect(read(dir, '.startup-backend.json')).toBe(read(template, '.startup-backend.json'));
    expect(read(dir, '.env')).toBe(read(template, '.env'));
  });

  describe('bad input: one line naming the fix, exit 1, git status clean', () => {
    it.each([
      ['an invalid name', ['Payments'], /Invalid service name "Payments": use lowercase letters/],
      ['a traversal', ['../evil'], /Invalid service name "\.\.\/evil"/],
      ['a reserved name', ['mysql'], /Service name "mysql" .*Pick another/],
      ['an existing service', ['orders'], /Service "orders" already exists/],
      ["another service's test database", ['orders-test'], /collides with service "orders": its database "orders_test" is the test database of "orders"/],
      ["another service's migration job", ['orders-migrate'], /collides with service "orders": its compose service "orders-migrate" is the migration job of "orders"/],
      ['an unknown rpc', ['payments', '--rpc', 'rest'], /Unknown --rpc value "rest"\. Valid values: grpc, thrift\./],
      ['an unknown option', ['payments', '--force'], /Unknown option --force/],
      ['two names', ['payments', 'ledger'], /Expected one service name, got 2/],
      ['no name, not on a terminal', [], /Missing the service name: startup-backend add service <name>/],
    ])('%s', (_label, args, message) => {
      const dir = repo();
      expectRefusedInRepo(dir, add(dir, [...args, '--no-install']), message);
    });

    it('names that differ but collide once spelled for the database', () => {
      const dir = repo();
      expect(addPayments(dir).status).toBe(0);
      git(dir, 'add', '--all');
      commitAll(dir, 'payments');
      expect(add(dir, ['a-1b', '--no-install']).status).toBe(0);
      git(dir, 'add', '--all');
      commitAll(dir, 'a-1b');
      expectRefusedInRepo(dir, add(dir, ['a1b', '--no-install']), /"a1b" collides with service "a-1b": both are "a1b" as database and database user/);
    });

    it('a folder under services/ that is not a recorded service, or a workspace package of that name', () => {
      const dir = repo();
      mkdirSync(path.join(dir, 'services/ledger'));
      writeFileSync(path.join(dir, 'services/ledger/package.json'), '{ "name": "@shop/ledger-lib" }\n');
      mkdirSync(path.join(dir, 'services/tools'));
      writeFileSync(path.join(dir, 'services/tools/package.json'), '{ "name": "@shop/billing" }\n');
      git(dir, 'add', '--all');
      commitAll(dir, 'team packages');
      expectRefusedInRepo(dir, add(dir, ['ledger', '--no-install']), /services\/ledger already exists but is not a recorded service/);
      expectRefusedInRepo(dir, add(dir, ['billing', '--no-install']), /services\/tools is already the workspace package @shop\/billing/);
    });

    it('outside a generated repo', () => {
      const dir = tempDir('csb-add-outside-');
      const result = add(dir, ['payments']);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/No \.startup-backend\.json in .* or above: run this inside a repository made by create-startup-backend\./);
    });

    it.each([
      ['corrupt', '{ "templateVersion": ', /\.startup-backend\.json is not valid JSON .*: restore it from git\./],
      ['missing a field', '{ "templateVersion": "0.3.0" }\n', /has no "projectName": restore it from git\./],
      ['from an unknown version', (text: string) => text.replace(/"templateVersion": "[^"]+"/, '"templateVersion": "banana"'), /unknown "templateVersion" "banana"/],
      ['from a newer release', (text: string) => text.replace(/"templateVersion": "[^"]+"/, '"templateVersion": "9.0.0"'), /made by create-startup-backend 9\.0\.0, newer than this .*npx --package create-startup-backend@9\.0\.0 startup-backend add service payments/],
      ['from a release without add', (text: string) => text.replace(/"templateVersion": "[^"]+"/, '"templateVersion": "0.1.0"'), /made by create-startup-backend 0\.1\.0, which has no `add service`/],
      ['with a service of an unknown rpc', (text: string) => text.replace('"name": "orders",', '"name": "orders", "rpc": "rest",'), /unknown "rpc" "rest" at services\[0\] \(one of grpc, thrift\): restore it from git\./],
    ])('an answers file that is %s', (_label, content, message) => {
      const dir = repo();
      writeFileSync(path.join(dir, '.startup-backend.json'), typeof content === 'string' ? content : content(read(dir, '.startup-backend.json')));
      commitAll(dir, 'broken answers');
      expectRefusedInRepo(dir, addPayments(dir), message);
    });
  });

  it('--help and --version on the startup-backend bin', () => {
    const cwd = tempDir('csb-add-help-');
    const help = runStartupBackend(['--help'], { cwd });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/add service <name>/);
    expect(help.stdout).toMatch(/--dry-run/);
    const version = runStartupBackend(['--version'], { cwd });
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
    const unknown = runStartupBackend(['frobnicate'], { cwd });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
  });
});

function expectRefusedWithUntracked(dir: string): void {
  const refused = addPayments(dir);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/uncommitted changes \(notes\.txt\)/);
}
