// Types only: the generated JSON is checked against Grafana's own schema at compile time, and the
// scaffolder's runtime install does not carry @grafana/schema.
import type { Dashboard, DataQuery, DataSourceRef, FieldConfigSource, Panel } from '@grafana/schema';

/** The uid of the provisioned Prometheus datasource; dashboards refer to it by this uid. */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

/** Where Grafana listens in the compose stack (127.0.0.1 only). */
export const GRAFANA_URL = 'http://127.0.0.1:3000';

// Panel JSON and provisioning follow the schema of this Grafana release (the pinned image's).
const SCHEMA_VERSION = 39;

const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID };

interface PrometheusQuery extends DataQuery {
  expr: string;
  legendFormat: string;
}

/**
 * Stable across renders and template versions so links in alerts, runbooks and bookmarks keep
 * working; service names are at most 30 characters, within Grafana's 40-character uid limit.
 */
export function dashboardUid(service: string): string {
  return `svc-${service}`;
}

export function dashboardUrl(service: string): string {
  return `${GRAFANA_URL}/d/${dashboardUid(service)}`;
}

export function dashboardPath(service: string): string {
  return `ops/grafana/dashboards/${service}.json`;
}

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Array<{ expr: string; legend: string }>;
  min?: number;
  max?: number;
}

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

function timeSeries(spec: PanelSpec, index: number): Panel {
  const fieldConfig: FieldConfigSource = {
    defaults: {
      unit: spec.unit,
      ...(spec.min === undefined ? {} : { min: spec.min }),
      ...(spec.max === undefined ? {} : { max: spec.max }),
    },
    overrides: [],
  };
  return {
    id: index + 1,
    type: 'timeseries',
    title: spec.title,
    description: spec.description,
    datasource: PROMETHEUS,
    gridPos: { x: (index % 2) * PANEL_WIDTH, y: Math.floor(index / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
    fieldConfig,
    options: {
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: spec.queries.map(
      ({ expr, legend }, queryIndex) =>
        ({
          refId: String.fromCharCode(65 + queryIndex),
          datasource: PROMETHEUS,
          expr,
          legendFormat: legend,
        }) satisfies PrometheusQuery,
    ),
  };
}

/**
 * RED (rate, errors, duration) plus the two resources whose loss the alerts page for: the
 * database pool and the registry registration. Only metrics the service's metrics.ts exports,
 * and `up`, which Prometheus writes with the job's `service` label.
 */
export function serviceDashboard(service: string) {
  const selector = `service="${service}"`;
  const requests = `rpc_server_requests_total{${selector}}`;
  const failed = `rpc_server_requests_total{${selector}, code!="OK"}`;
  const buckets = `rpc_server_request_duration_seconds_bucket{${selector}}`;
  const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(${buckets}[$__rate_interval])))`;
  const panels: PanelSpec[] = [
    {
      title: 'Request rate',
      description: 'RPCs handled per second, by method.',
      unit: 'reqps',
      queries: [{ expr: `sum by (method) (rate(${requests}[$__rate_interval]))`, legend: '{{method}}' }],
    },
    {
      title: 'Error rate',
      description: 'Share of RPCs answered with a code other than OK; RpcErrorRateHigh fires above 5%.',
      unit: 'percentunit',
      min: 0,
      queries: [
        {
          expr: `sum(rate(${failed}[$__rate_interval])) / sum(rate(${requests}[$__rate_interval]))`,
          legend: 'errors',
        },
        { expr: `sum by (code) (rate(${failed}[$__rate_interval]))`, legend: '{{code}} per second' },
      ],
    },
    {
      title: 'Duration',
      description: 'RPC handling time; RpcLatencyHigh fires when p99 stays above 500ms.',
      unit: 's',
      queries: [
        { expr: quantile(0.5), legend: 'p50' },
        { expr: quantile(0.99), legend: 'p99' },
      ],
    },
    {
      title: 'Database pool',
      description: 'Pool connections by state, per instance; DbPoolSaturated fires above 90% in use.',
      unit: 'short',
      min: 0,
      queries: [{ expr: `db_pool_connections{${selector}}`, legend: '{{instance}} {{state}}' }],
    },
    {
      title: 'Registration and scrape',
      description: 'registry_registered is 1 while the instance is registered; up is 1 while Prometheus scrapes it.',
      unit: 'short',
      min: 0,
      max: 1,
      queries: [
        { expr: `registry_registered{${selector}}`, legend: '{{instance}} registered' },
        { expr: `up{${selector}}`, legend: '{{instance}} up' },
      ],
    },
  ];
  return {
    uid: dashboardUid(service),
    title: `Service ${service}`,
    description: `RED metrics, database pool and registration of ${service}.`,
    tags: ['service', service],
    editable: false,
    schemaVersion: SCHEMA_VERSION,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    panels: panels.map(timeSeries),
  } satisfies Dashboard;
}

/** 2-space JSON with short scalar arrays on one line, as the generated repo's prettier writes it. */
export function dashboardJson(service: string): string {
  const json = JSON.stringify(serviceDashboard(service), null, 2);
  return `${json.replace(/\[\n\s+((?:"[^"\n]*"|[\d.-]+|true|false|null)(?:,\n\s+(?:"[^"\n]*"|[\d.-]+|true|false|null))*)\n\s*\]/g, (_match, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`)}\n`;
}
