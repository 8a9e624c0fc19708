import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDir } from '../cli/run-cli.js';
import { run } from '../support/isolated.js';
import { freePorts } from '../support/servers.js';

const STOP_WITH_PARENT = fileURLToPath(new URL('../support/stop-with-parent.sh', import.meta.url));

/**
 * The observability profile of a generated repo: Alertmanager's routing (amtool), Prometheus's
 * alerting section (promtool), Grafana's provisioning and one dashboard per service whose queries
 * use only the metrics the service's metrics.ts exports and return data from them (promtool), and
 * the compose profile (docker-compose); a real Prometheus loads the rule files and discovers the targets.
 * Needs `npm run build` (dist/), prometheus and promtool (Debian package `prometheus`), amtool (`prometheus-alertmanager`) and docker-compose.
 */
const RENDER_REPO = fileURLToPath(new URL('../support/render-repo.mjs', import.meta.url));
const SERVICES = ['a', 'order-book', 'abcdefghij-klmnopqrst-uvwxyz12'];
const COMBINATIONS = [
  { rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab' },
  { rpc: 'thrift', discovery: 'consul', db: 'tidb', ci: 'jenkins' },
] as const;

// Written by Prometheus itself for every target; prometheus.yml gives it the job's `service` label.
const PROMETHEUS_SERIES = new Set(['up']);
// Keywords, and aggregations, which may be followed by `by (...)` rather than by their parenthesis.
const PROMQL_WORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset',
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
]);

interface Target { expr: string; datasource?: { uid?: string } }
interface DashboardPanel { title: string; datasource?: { uid?: string }; targets: Target[] }
interface DashboardFile { uid: string; title: string; panels: DashboardPanel[] }

/** Series names a service's /metrics serves, read from its metrics.ts (histograms expose three). */
function exportedSeries(metricsSource: string): Map<string, string[]> {
  const series = new Map<string, string[]>();
  for (const [, kind, options = ''] of metricsSource.matchAll(/new (Counter|Gauge|Histogram)\(\{([^]*?)\n\s*\}\)/g)) {
    const name = /name: "(\w+)"/.exec(options)?.[1] ?? '';
    const labels = [.../labelNames: \[([^\]]*)\]/.exec(options)?.[1]?.matchAll(/"(\w+)"/g) ?? []].map((m) => m[1] ?? '');
    if (kind !== 'Histogram') {
      series.set(name, labels);
      continue;
    }
    series.set(`${name}_bucket`, [...labels, 'le']);
    series.set(`${name}_sum`, labels);
    series.set(`${name}_count`, labels);
  }
  return series;
}

/** Metric names a PromQL expression selects: identifiers that are not functions, keywords or labels. */
function selectedMetrics(expr: string): string[] {
  const withoutLabels = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  return [...withoutLabels.matchAll(/\b[a-zA-Z_:][\w:]*\b(?!\s*\()/g)]
    .map((m) => m[0])
    .filter((word) => !PROMQL_WORDS.has(word) && !/^(\d|e\d)/.test(word));
}

describe.each(COMBINATIONS)('observability profile ($rpc, $discovery, $db, $ci)', (combination) => {
  let repo = '';
  beforeAll(() => {
    repo = path.join(tempDir('csb-obs-'), Object.values(combination).join('-'));
    execFileSync(process.execPath, [
      RENDER_REPO, repo, '--rpc', combination.rpc, '--discovery', combination.discovery,
      '--db', combination.db, '--ci', combination.ci, '--service', SERVICES.join(','),
    ], { stdio: 'pipe' });
  });

  const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');
  const dashboard = (service: string) => JSON.parse(read(`ops/grafana/dashboards/${service}.json`)) as DashboardFile;
  const queries = (service: string) => dashboard(service).panels.flatMap((panel) => panel.targets.map((t) => t.expr));

  it('has one dashboard per service, querying only the metrics the service exports, with its labels', () => {
    expect(readdirSync(path.join(repo, 'ops/grafana/dashboards')).sort()).toEqual(SERVICES.map((s) => `${s}.json`).sort());
    for (const service of SERVICES) {
      const exported = exportedSeries(read(`services/${service}/src/metrics.ts`));
      // The parse above must see the RED histogram and the gauges, or this test would check nothing.
      expect([...exported.keys()]).toEqual(expect.arrayContaining([
        'rpc_server_requests_total', 'rpc_server_request_duration_seconds_bucket', 'db_pool_connections', 'registry_registered',
      ]));
      const exprs = queries(service);
      const used = new Set(exprs.flatMap(selectedMetrics));
      for (const metric of used) {
        expect(exported.has(metric) || PROMETHEUS_SERIES.has(metric), `${service}: ${metric}`).toBe(true);
      }
      // RED, the pool and the registration are all on the dashboard.
      expect([...used].sort()).toEqual(expect.arrayContaining([
        'db_pool_connections', 'registry_registered', 'rpc_server_request_duration_seconds_bucket', 'rpc_server_requests_total',
      ]));
      expect(exprs.some((e) => /histogram_quantile\(0\.5,/.test(e)) && exprs.some((e) => /histogram_quantile\(0\.99,/.test(e))).toBe(true);
      expect(exprs.some((e) => e.includes('code!="OK"'))).toBe(true);
      for (const expr of exprs) {
        // Every selector is scoped to this service, and groups or filters only by labels the metric has.
        for (const selector of expr.matchAll(/([a-z_]+)\{([^}]*)\}/g)) {
          const [, metric = '', matchers = ''] = selector;
          expect(matchers, expr).toContain(`service="${service}"`);
          const labels = new Set([...(exported.get(metric) ?? []), 'service', 'job', 'instance']);
          for (const [, label] of matchers.matchAll(/(\w+)\s*[!=]~?"/g)) expect(labels.has(label ?? ''), `${metric} ${label}`).toBe(true);
        }
        for (const [, grouping = ''] of expr.matchAll(/\bby \(([^)]*)\)/g)) {
          for (const label of grouping.split(',').map((l) => l.trim())) {
            expect(['method', 'code', 'le', 'state', 'instance'], `${expr}: by ${label}`).toContain(label);
          }
        }
      }
    }
  });

  it('returns data for every panel query from the exported series alone (promtool test rules)', () => {
    // One alert per query that fires when the query returns nothing; series are the exported ones.
    const dir = tempDir('csb-obs-queries-');
    const groups = SERVICES.map((service) => ({
      name: `dashboard-${service}`,
      rules: queries(service).map((expr, index) => ({
        alert: `NoData${index}`,
        expr: `absent(${expr.replaceAll('$__rate_interval', '5m')})`,
        labels: { service },
      })),
    }));
    writeFileSync(path.join(dir, 'dashboard-queries.yml'), JSON.stringify({ groups }, null, 2));
    const series = (service: string) => {
      const labels = `job="${service}", instance="${service}:1", service="${service}"`;
      return [
        { series: `up{${labels}}`, values: '1x20' },
        { series: `registry_registered{${labels}}`, values: '1x20' },
        ...['in_use', 'total'].map((state) => ({ series: `db_pool_connections{${labels}, state="${state}"}`, values: '5x20' })),
        ...['OK', 'INTERNAL'].map((code) => ({
          series: `rpc_server_requests_total{${labels}, method="GetItem", code="${code}"}`, values: '0+10x20',
        })),
        ...['0.1', '+Inf'].map((le) => ({
          series: `rpc_server_request_duration_seconds_bucket{${labels}, method="GetItem", code="OK", le="${le}"}`,
          values: '0+10x20',
        })),
      ];
    };
    for (const service of SERVICES) {
      const exported = exportedSeries(read(`services/${service}/src/metrics.ts`));
      for (const { series: s } of series(service)) {
        const name = s.slice(0, s.indexOf('{'));
        expect(exported.has(name) || PROMETHEUS_SERIES.has(name), name).toBe(true);
      }
    }
    const tests = {
      rule_files: ['dashboard-queries.yml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: SERVICES.flatMap(series),
        alert_rule_test: groups.flatMap((g) => g.rules.map((r) => ({ alertname: r.alert, eval_time: '15m', exp_alerts: [] }))),
      }],
    };
    writeFileSync(path.join(dir, 'dashboard-queries.test.yml'), JSON.stringify(tests, null, 2));
    const result = run('promtool', ['test', 'rules', 'dashboard-queries.test.yml'], { cwd: dir });
    expect(result.status, result.output).toBe(0);
    expect(groups.flatMap((g) => g.rules).length).toBeGreaterThanOrEqual(SERVICES.length * 5);
  });

  it('points every dashboard at the provisioned Prometheus datasource, with unique uids', () => {
    const provisioned = parse(read('ops/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    expect(provisioned.datasources).toHaveLength(1);
    const [datasource] = provisioned.datasources;
    expect(datasource?.type).toBe('prometheus');
    expect(datasource?.url).toBe('http://prometheus:9090');
    const uids = SERVICES.map((service) => dashboard(service).uid);
    expect(new Set([...uids, datasource?.uid]).size).toBe(SERVICES.length + 1);
    for (const service of SERVICES) {
      const { uid, panels } = dashboard(service);
      expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      expect(panels.length).toBeGreaterThanOrEqual(5);
      for (const panel of panels) {
        expect(panel.datasource?.uid, panel.title).toBe(datasource?.uid);
        for (const target of panel.targets) expect(target.datasource?.uid, panel.title).toBe(datasource?.uid);
      }
    }
  });

  it("links every alert to its service's dashboard", () => {
    type Rules = { groups: Array<{ rules: Array<{ alert: string; labels: { service: string }; annotations: Record<string, string> }> }> };
    const all = SERVICES.flatMap((service) => (parse(read(`ops/prometheus/rules/${service}.yml`)) as Rules).groups.flatMap((g) => g.rules));
    expect(all).toHaveLength(SERVICES.length * 5);
    for (const rule of all) {
      expect(rule.annotations.dashboard_url, rule.alert).toBe(`http://127.0.0.1:3000/d/${dashboard(rule.labels.service).uid}`);
    }
  });

  it('routes by severity, groups by alert and service, and inhibits the alerts a down service causes (amtool)', () => {
    const config = 'ops/alertmanager/alertmanager.yml';
    const check = run('amtool', ['check-config', config], { cwd: repo });
    expect(check.status, check.output).toBe(0);
    const receiver = (...labels: string[]) => run('amtool', ['config', 'routes', 'test', `--config.file=${config}`, ...labels], { cwd: repo });
    expect(receiver('severity=critical', 'alertname=ServiceDown', 'service=a').stdout.trim()).toBe('on-call-page');
    expect(receiver('severity=warning', 'alertname=RpcErrorRateHigh', 'service=a').stdout.trim()).toBe('on-call-ticket');

    const parsed = parse(read(config)) as {
      route: { group_by: string[] };
      inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>;
    };
    expect(parsed.route.group_by).toEqual(['alertname', 'service']);
    const alerts = new Set([...read(`ops/prometheus/rules/${SERVICES[0]}.yml`).matchAll(/- alert: (\w+)$/gm)].map((m) => m[1]));
    const [inhibit] = parsed.inhibit_rules;
    expect(inhibit?.source_matchers).toEqual(['alertname="ServiceDown"']);
    expect(inhibit?.equal).toEqual(['service']);
    const targets = /alertname=~"([^"]+)"/.exec(inhibit?.target_matchers[0] ?? '')?.[1]?.split('|') ?? [];
    expect(targets.sort()).toEqual([...alerts].filter((a) => a !== 'ServiceDown').sort());

    // The commented Slack and PagerDuty receivers are valid once uncommented.
    const lines = read(config).split('\n');
    const examplesFrom = lines.findIndex((line) => line.startsWith('receivers:'));
    const uncommented = lines.map((line, i) => (i > examplesFrom ? line.replace(/^ {4}# /, '    ') : line)).join('\n');
    expect(uncommented).toMatch(/pagerduty_configs:[^]*slack_configs:/);
    writeFileSync(path.join(repo, 'alertmanager-examples.yml'), uncommented);
    const examples = run('amtool', ['check-config', 'alertmanager-examples.yml'], { cwd: repo });
    expect(examples.status, examples.output).toBe(0);
  });

  it('loads every service\'s rule file and scrape targets: a real Prometheus on loopback, each target labelled with its job and service', async () => {
    const config = path.join(repo, 'ops/prometheus/prometheus.yml');
    const { targets, ruleGroups } = await prometheusState(config);
    expect(targets.map((t) => t.labels).sort((a, b) => a.service!.localeCompare(b.service!))).toEqual(
      [...SERVICES].sort().map((service) => ({ job: service, service, instance: expect.stringMatching(new RegExp(`^${service}:\\d+$`)) })),
    );
    expect(ruleGroups.sort()).toEqual(SERVICES.map((service) => `service-${service}`).sort());
  });

  it('sends alerts to Alertmanager (promtool check config)', () => {
    const config = parse(read('ops/prometheus/prometheus.yml')) as {
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    };
    expect(config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual(['alertmanager:9093']);
    const check = run('promtool', ['check', 'config', 'ops/prometheus/prometheus.yml'], { cwd: repo });
    expect(check.status, check.output).toBe(0);
  });

  it('runs Alertmanager and Grafana in the observability profile, pinned, local-only, admin password from .env', () => {
    const result = run('docker-compose', ['--profile', 'observability', 'config', '-q'], { cwd: repo });
    expect(result.status, result.output).toBe(0);
    const resolved = run('docker-compose', ['--profile', 'observability', 'config'], { cwd: repo });
    expect(resolved.status, resolved.output).toBe(0);
    interface ComposeService {
      image: string; profiles?: string[]; ports?: Array<string | { host_ip?: string; published?: number | string; target?: number }>;
      environment?: Record<string, string>; volumes?: Array<string | { source?: string; target?: string }>;
      healthcheck?: { test: string[] };
    }
    const { services } = parse(resolved.stdout) as { services: Record<string, ComposeService> };
    const password = /^GRAFANA_ADMIN_PASSWORD=(.+)$/m.exec(read('.env'))?.[1];
    expect(password).toMatch(/^(?!change-me).{16,}$/);
    for (const [name, port] of [['alertmanager', 9093], ['grafana', 3000], ['prometheus', 9090]] as const) {
      const service = services[name];
      expect(service, name).toBeDefined();
      expect(service?.image, name).toMatch(/:v?\d+\.\d+\.\d+$/);
      expect(service?.profiles, name).toEqual(['observability']);
      expect(service?.healthcheck?.test, name).toContain(`http://127.0.0.1:${port}${name === 'grafana' ? '/api/health' : name === 'alertmanager' ? '/-/healthy' : '/-/ready'}`);
      expect(JSON.stringify(service?.ports), name).toMatch(new RegExp(`127\\.0\\.0\\.1.*${port}`));
    }
    const grafana = services.grafana;
    expect(grafana?.environment?.GF_SECURITY_ADMIN_PASSWORD).toBe(password);
    expect(grafana?.environment?.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    // The dashboards provider reads the folder that compose mounts the generated dashboards into.
    const provider = parse(read('ops/grafana/provisioning/dashboards/services.yml')) as { providers: Array<{ options: { path: string } }> };
    const mounts = JSON.stringify(grafana?.volumes);
    expect(mounts).toContain(provider.providers[0]?.options.path);
    expect(mounts).toContain('ops/grafana/dashboards');

    // Without the password in .env, compose refuses to start rather than run Grafana with admin/admin.
    const env = read('.env');
    writeFileSync(path.join(repo, '.env'), env.replace(/^GRAFANA_ADMIN_PASSWORD=.*\n/m, ''));
    try {
      const missing = run('docker-compose', ['--profile', 'observability', 'config', '-q'], { cwd: repo });
      expect(missing.status).not.toBe(0);
      expect(missing.output).toContain('set GRAFANA_ADMIN_PASSWORD in .env');
    } finally {
      writeFileSync(path.join(repo, '.env'), env);
    }
  });
});

/**
 * Runs Debian's Prometheus on a free loopback port with the generated config until it has loaded the rule
 * files and discovered the targets (bounded, 20 s), and stops it. The targets' addresses are compose
 * service names, which do not resolve here: only their discovery and labels are checked.
 */
async function prometheusState(config: string): Promise<{ targets: Array<{ labels: Record<string, string> }>; ruleGroups: string[] }> {
  const [port] = await freePorts(1);
  const storage = tempDir('csb-prometheus-');
  const server = spawn('/bin/sh', [STOP_WITH_PARENT, '--rm', storage, '--', 'prometheus', `--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${storage}`], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let log = '';
  server.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const api = async (endpoint: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/${endpoint}`);
    return ((await response.json()) as { data: unknown }).data;
  };
  try {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 250))) {
      try {
        const { activeTargets } = (await api('targets')) as { activeTargets: Array<{ labels: Record<string, string> }> };
        const { groups } = (await api('rules')) as { groups: Array<{ name: string }> };
        if (activeTargets.length >= SERVICES.length && groups.length >= SERVICES.length) {
          return { targets: activeTargets.map(({ labels }) => ({ labels })), ruleGroups: groups.map((g) => g.name) };
        }
      } catch {
        // Not listening yet.
      }
    }
    throw new Error(`Prometheus did not load the targets and rules within 20 s:\n${log}`);
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}
