import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../cli/run-cli.js';
import { run } from '../support/isolated.js';

/**
 * The ops layer of a generated repo: the Prometheus alerting rules pass `promtool check rules` and
 * their unit tests (`promtool test rules`), every alert links an existing runbook and every runbook
 * is linked, and the runbooks give the commands of the chosen registry and database only.
 * Needs `npm run build` (dist/) and `promtool` (Debian package `prometheus`).
 */
const RENDER_REPO = fileURLToPath(new URL('../support/render-repo.mjs', import.meta.url));
const SERVICES = ['a', 'order-book', 'abcdefghij-klmnopqrst-uvwxyz12'];

interface Combination {
  rpc: 'grpc' | 'thrift';
  discovery: 'etcd' | 'consul';
  db: 'mysql' | 'tidb';
  ci: 'gitlab' | 'jenkins';
}

const COMBINATIONS: Combination[] = [
  { rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab' },
  { rpc: 'thrift', discovery: 'consul', db: 'tidb', ci: 'jenkins' },
  { rpc: 'grpc', discovery: 'consul', db: 'mysql', ci: 'jenkins' },
  { rpc: 'thrift', discovery: 'etcd', db: 'tidb', ci: 'gitlab' },
];

/** Text that only the runbooks of one choice may contain. */
const MARKERS: Record<Combination['discovery'] | Combination['db'], RegExp[]> = {
  etcd: [/etcdctl --endpoints http:\/\/127\.0\.0\.1:2379 get --prefix \/services\//],
  consul: [/consul catalog services/, /curl -s http:\/\/127\.0\.0\.1:8500\/v1\/health\/service\//],
  mysql: [/mysql -h 127\.0\.0\.1 -P 3306 /, /SHOW ENGINE INNODB STATUS/],
  tidb: [/mysql -h 127\.0\.0\.1 -P 4000 /, /information_schema\.cluster_processlist/],
};
const OTHER = { etcd: 'consul', consul: 'etcd', mysql: 'tidb', tidb: 'mysql' } as const;

const ALERTS = ['ServiceDown', 'RpcErrorRateHigh', 'RpcLatencyHigh', 'DbPoolSaturated', 'RegistrationLost'];

const label = (c: Combination) => `${c.rpc}-${c.discovery}-${c.db}-${c.ci}`;

describe.each(COMBINATIONS)('alerts and runbooks ($rpc, $discovery, $db, $ci)', (combination) => {
  let repo = '';

  beforeAll(() => {
    repo = path.join(tempDir('csb-ops-'), label(combination));
    execFileSync(process.execPath, [
      RENDER_REPO, repo, '--rpc', combination.rpc, '--discovery', combination.discovery,
      '--db', combination.db, '--ci', combination.ci, '--service', SERVICES.join(','),
    ], { stdio: 'pipe' });
  });

  const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');
  const runbooks = () => readdirSync(path.join(repo, 'docs/runbooks')).filter((f) => f.endsWith('.md')).sort();

  it('passes promtool check rules and its unit tests', () => {
    const check = run('promtool', ['check', 'rules', ...SERVICES.map((s) => `ops/prometheus/rules/${s}.yml`)], { cwd: repo });
    expect(check.output.match(new RegExp(`SUCCESS: ${ALERTS.length} rules found`, 'g'))).toHaveLength(SERVICES.length);
    expect(check.status, check.output).toBe(0);
    const test = run('promtool', ['test', 'rules', ...SERVICES.map((s) => `ops/prometheus/tests/${s}.test.yml`)], { cwd: repo });
    expect(test.status, test.output).toBe(0);
    const config = run('promtool', ['check', 'config', 'ops/prometheus/prometheus.yml'], { cwd: repo });
    expect(config.status, config.output).toBe(0);
  });

  it('has every alert for every service, with severity, service and a runbook_url', () => {
    for (const service of SERVICES) {
      const rules = read(`ops/prometheus/rules/${service}.yml`);
      const group = rules.split(/^  - name: /m).find((g) => g.startsWith(`service-${service}\n`));
      expect(group, service).toBeDefined();
      const alerts = [...(group ?? '').matchAll(/^ {6}- alert: (\w+)$/gm)].map((m) => m[1]);
      expect(alerts).toEqual(ALERTS);
      for (const rule of (group ?? '').split(/^ {6}- alert: /m).slice(1)) {
        expect(rule).toMatch(/^ {10}severity: (critical|warning)$/m);
        expect(rule).toContain(`\n          service: ${service}\n`);
        expect(rule).toMatch(/^ {10}summary: /m);
        expect(rule).toMatch(/^ {10}description: /m);
        expect(rule).toMatch(/^ {10}runbook_url: docs\/runbooks\/[a-z-]+\.md$/m);
      }
    }
    // Every alert is also exercised by the promtool unit tests, for every service.
    for (const service of SERVICES) {
      const tests = read(`ops/prometheus/tests/${service}.test.yml`);
      for (const alert of ALERTS) expect(tests, `${service}: ${alert}`).toMatch(new RegExp(`alertname: ${alert}$`, 'm'));
    }
  });

  it('links an existing runbook from every alert and every runbook from an alert', () => {
    const urls = new Set([...SERVICES.map((s) => read(`ops/prometheus/rules/${s}.yml`)).join('\n').matchAll(/runbook_url: (\S+)$/gm)].map((m) => m[1] ?? ''));
    expect(urls.size).toBe(ALERTS.length);
    for (const url of urls) {
      expect(existsSync(path.join(repo, url)), url).toBe(true);
    }
    expect(runbooks().map((file) => `docs/runbooks/${file}`)).toEqual([...urls].sort());
  });

  it("gives the chosen registry's and database's commands, never the other choice's", () => {
    const all = runbooks().map((file) => read(`docs/runbooks/${file}`)).join('\n');
    for (const choice of [combination.discovery, combination.db]) {
      for (const marker of MARKERS[choice]) {
        expect(all).toMatch(marker);
      }
      for (const marker of MARKERS[OTHER[choice]]) {
        expect(all).not.toMatch(marker);
      }
    }
    for (const service of SERVICES) {
      expect(all).toContain(service);
    }
    // Every runbook says how to confirm with the service's own endpoints, and how to escalate.
    for (const file of runbooks()) {
      const text = read(`docs/runbooks/${file}`);
      expect(text, file).toMatch(/curl -s\S* http:\/\/127\.0\.0\.1:\d+\/(metrics|readyz)/);
      expect(text, file).toContain('## Escalation');
    }
    expect(read('docs/runbooks/registration-lost.md')).toMatch(MARKERS[combination.discovery][0] as RegExp);
    expect(read('docs/runbooks/db-pool-saturated.md')).toMatch(MARKERS[combination.db][0] as RegExp);
  });

  it('gives PromQL in its runbooks that Prometheus parses and that uses only exported metrics', () => {
    const queries = runbooks().flatMap((file) =>
      [...read(`docs/runbooks/${file}`).matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim()),
    );
    expect(queries.length).toBeGreaterThanOrEqual(2);
    // promtool parses expressions only inside rule files: each query becomes a recording rule.
    const rules = ['groups:', '  - name: runbook-queries', '    rules:',
      ...queries.flatMap((query, i) => [`      - record: runbook_query_${i}`, `        expr: ${JSON.stringify(query)}`])];
    const file = path.join(tempDir('csb-promql-'), 'runbook-queries.yml');
    writeFileSync(file, `${rules.join('\n')}\n`);
    const check = run('promtool', ['check', 'rules', file], { cwd: repo });
    expect(check.status, check.output).toBe(0);
    const exported = read(`services/${SERVICES[0]}/src/metrics.ts`);
    for (const query of queries) {
      for (const metric of query.match(/\brpc_[a-z_]+/g) ?? []) {
        expect(exported, metric).toContain(`"${metric.replace(/_bucket$/, '')}"`);
      }
    }
  });

  it('has the on-call documents', () => {
    for (const file of ['rotation.md', 'incident-template.md', 'postmortem-template.md']) {
      expect(read(`docs/oncall/${file}`).length, file).toBeGreaterThan(200);
    }
  });
});
