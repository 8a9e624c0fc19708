import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_TAGS } from '../../generators/shared/versions.js';
import { startMariaDb, type MariaDb } from '../support/servers.js';
import { combinations, findResource, k8sFiles, kustomize, OVERLAY_RENDERERS, parseDocuments, podTemplateOf, renderRepo, type K8sResource } from './k8s-fixtures.js';

/**
 * Staging's own database and registry (deploy/k8s/overlays/staging/servers/). No cluster and no container
 * runtime here: the StatefulSets are checked statically against the servers' documented flags and the
 * images in the versions map; db-init's script is run for real against a MariaDB server.
 */
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
  envFrom?: Array<{ secretRef: { name: string } }>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
}
type Probe = { tcpSocket?: { port: string }; httpGet?: { path: string; port: number }; exec?: { command: string[] } };
interface Pod { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; securityContext: { runAsNonRoot: boolean }; volumes?: Array<{ name: string; configMap?: { name: string } }> } }

const SERVERS = 'deploy/k8s/overlays/staging/servers';
const STAGING_SECRETS = 'deploy/k8s/overlays/staging/secrets';

/** `KEY=value` lines of an env file, comments left out. */
const envKeys = (text: string) => [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);

describe.each(combinations)('Kubernetes staging servers, static checks, no cluster (%s)', (_label, choices) => {
  const files = renderRepo(choices);
  const database = choices.db === 'mysql' ? { alias: 'mysql', port: 3306, image: IMAGE_TAGS.mariadb } : { alias: 'tidb', port: 4000, image: IMAGE_TAGS.tidb };
  const registry = choices.discovery === 'etcd' ? { alias: 'etcd', port: 2379, image: IMAGE_TAGS.etcd } : { alias: 'consul', port: 8500, image: IMAGE_TAGS.consul };
  const resources = k8sFiles(files)
    .filter(([file]) => file.startsWith(`${SERVERS}/`) && file.endsWith('.yaml') && !file.endsWith('kustomization.yaml'))
    .flatMap(([, text]) => parseDocuments(text));
  const one = (kind: string, name: string) => findResource(resources, kind, name);
  const podOf = (resource: K8sResource) => podTemplateOf<Pod>(resource);
  const serverPod = (alias: string) => podOf(one('StatefulSet', alias));

  it('runs one pod of each server, from the image the compose stack pins, with a volume where it keeps its data', () => {
    for (const server of [database, registry]) {
      const set = one('StatefulSet', server.alias).spec as { replicas: number; serviceName: string; volumeClaimTemplates: Array<{ metadata: { name: string } }> };
      expect(set.replicas).toBe(1);
      expect(set.serviceName).toBe(server.alias);
      const [container] = serverPod(server.alias).spec.containers;
      expect(container?.image).toBe(server.image);
      expect(files.get('docker-compose.yml')).toContain(`image: ${server.image}\n`);
      expect(container?.ports).toEqual([{ name: 'client', containerPort: server.port, protocol: 'TCP' }]);
      const data = container?.volumeMounts.find((m) => m.name === 'data')?.mountPath ?? '';
      expect(set.volumeClaimTemplates.map((t) => t.metadata.name)).toEqual(['data']);
      // Each server's own flag for its data folder (or the image's default) lies on the volume.
      const flag = (container?.args ?? []).find((arg) => /^--(data-dir|path)=/.test(arg))?.split('=')[1];
      const defaults: Record<string, string> = { mysql: '/var/lib/mysql', consul: '/consul/data' };
      const dataDir = flag ?? defaults[server.alias];
      expect(dataDir, `${server.alias} names where it keeps data`).toBeDefined();
      expect(`${dataDir}/`.startsWith(`${data}/`), `${dataDir} on the volume at ${data}`).toBe(true);
      if (server.alias === 'consul') {
        expect(container?.args).toEqual(expect.arrayContaining(['agent', '-server', '-bootstrap-expect=1']));
        expect(container?.args, 'not the in-memory -dev agent of compose').not.toContain('-dev');
      }
    }
  });

  it('is hardened like the services: non-root, read-only root filesystem, no escalation, writable scratch folders only', () => {
    for (const resource of [one('StatefulSet', database.alias), one('StatefulSet', registry.alias), one('Job', 'db-init')]) {
      const pod = podOf(resource);
      expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
      for (const container of pod.spec.containers) {
        expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(container.image).toMatch(/^[a-z0-9./-]+:(?!latest$)[\w][\w.-]*$/);
      }
    }
  });

  it('probes what the compose healthcheck checks, on ports the server listens on', () => {
    for (const server of [database, registry]) {
      const [container] = serverPod(server.alias).spec.containers;
      for (const probe of [container!.startupProbe, container!.readinessProbe, container!.livenessProbe]) {
        if (probe.tcpSocket) expect(container!.ports.map((p) => p.name)).toContain(probe.tcpSocket.port);
        else if (probe.httpGet) expect(container!.args, 'TiDB serves /status on its --status port').toContain(`--status=${String(probe.httpGet.port)}`);
        else expect(files.get('docker-compose.yml')).toContain(probe.exec!.command.map((part) => `        - ${JSON.stringify(part)}\n`).join(''));
      }
    }
  });

  it('is reached by the names the services are configured with: the Service selects the pod, on the port in every URL', () => {
    for (const server of [database, registry]) {
      const service = one('Service', server.alias).spec as { clusterIP: string; selector: Record<string, string>; ports: Array<{ port: number; targetPort: string }> };
      const labels = serverPod(server.alias).metadata.labels;
      expect(Object.entries(service.selector).every(([key, value]) => labels[key] === value)).toBe(true);
      expect(service.ports).toEqual([{ name: 'client', port: server.port, targetPort: 'client', protocol: 'TCP' }]);
      expect(service.clusterIP).toBe('None');
    }
    for (const service of ['orders', 'ledger', 'billing']) {
      const urls = [`${service}.env`, `${service}-migrate.env`].map((file) => files.get(`${STAGING_SECRETS}/${file}.sample`) ?? '');
      for (const url of urls) expect(url).toMatch(new RegExp(`^[A-Z_]+=mysql://[^@]+@${database.alias}:${String(database.port)}/${service}$`, 'm'));
      const config = parseDocuments(files.get(`deploy/k8s/overlays/staging/${service}/config-map.yaml`) ?? '')[0]?.data as Record<string, string>;
      expect(Object.values(config).join(' ')).toContain(`http://${registry.alias}:${String(registry.port)}`);
      const production = files.get(`deploy/k8s/overlays/production/${service}/config-map.yaml`) ?? '';
      expect(production).toContain(`${registry.alias}.production.internal`);
    }
  });

  it('lets the project\'s servers and migrations reach the database, only its servers reach the registry', () => {
    const admits = (policy: K8sResource, labels: Record<string, string>) => {
      const [rule] = (policy.spec as { ingress: Array<{ from: Array<{ podSelector: { matchLabels: Record<string, string>; matchExpressions: Array<{ key: string; values: string[] }> } }> }> }).ingress;
      const selector = rule!.from[0]!.podSelector;
      return Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value)
        && selector.matchExpressions.every((e) => e.values.includes(labels[e.key] ?? ''));
    };
    const base = k8sFiles(files).filter(([file]) => file.startsWith('deploy/k8s/base/') && file.endsWith('.yaml')).flatMap(([, text]) => parseDocuments(text));
    const podLabels = (kind: string, name: string) => podOf(findResource(base, kind, name)).metadata.labels;
    const [server, migration, dbInit] = [podLabels('Deployment', 'orders'), podLabels('Job', 'orders-migrate'), podOf(one('Job', 'db-init')).metadata.labels];
    expect([server, migration, dbInit].map((labels) => admits(one('NetworkPolicy', database.alias), labels))).toEqual([true, true, true]);
    expect([server, migration, dbInit].map((labels) => admits(one('NetworkPolicy', registry.alias), labels))).toEqual([true, false, false]);
    expect(admits(one('NetworkPolicy', database.alias), { ...server, 'app.kubernetes.io/part-of': 'another-project' })).toBe(false);
  });

  it('gives db-init every variable its script reads, from the db-init Secret, and the database its administrator password from it', () => {
    const script = files.get(`${SERVERS}/db-init/db-init.sh`) ?? '';
    const sample = files.get(`${STAGING_SECRETS}/db-init.env.sample`) ?? '';
    const read = new Set([...script.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g), ...script.matchAll(/^check ([A-Z0-9_]+)$/gm)].map((m) => m[1]!));
    const keys = envKeys(sample);
    expect([...read].filter((name) => name !== 'MYSQL_PWD' && !keys.includes(name))).toEqual([]);
    expect(keys).toEqual(expect.arrayContaining(['ORDERS_DB_PASSWORD', 'LEDGER_DB_MIGRATION_PASSWORD', 'BILLING_DB_PASSWORD']));
    const [job] = podOf(one('Job', 'db-init')).spec.containers;
    expect(job?.envFrom).toEqual([{ secretRef: { name: 'db-init' } }]);
    expect(job?.command).toEqual(['sh', '/scripts/db-init.sh']);
    const fromSecret = (serverPod(database.alias).spec.containers[0]?.env ?? []).filter((e) => e.valueFrom);
    for (const env of fromSecret) {
      expect(env.valueFrom?.secretKeyRef.name).toBe('db-init');
      expect(keys).toContain(env.valueFrom?.secretKeyRef.key);
    }
    expect(fromSecret.map((e) => e.name)).toEqual(choices.db === 'mysql' ? ['MARIADB_ROOT_PASSWORD'] : []);
    const overlay = files.get('deploy/k8s/overlays/staging/kustomization.yaml') ?? '';
    expect(overlay).toContain('  - name: "db-init"\n    envs:\n      - "secrets/db-init.env"\n');
  });

  it('keeps production on external servers: no StatefulSet, no servers/', () => {
    const production = k8sFiles(files).filter(([file]) => file.startsWith('deploy/k8s/overlays/production/'));
    expect(production.map(([file]) => file).filter((file) => file.includes('/servers/'))).toEqual([]);
    expect(production.flatMap(([, text]) => (text.includes('StatefulSet') ? [text] : []))).toEqual([]);
  });

  it.each(OVERLAY_RENDERERS)('$name renders the servers into staging, the Job pointing at the generated Secret and script (no cluster)', (renderer) => {
    const rendered = kustomize(renderer, files, 'staging');
    expect(rendered.filter((r) => r.kind === 'StatefulSet').map((r) => r.metadata.name).sort()).toEqual([database.alias, registry.alias].sort());
    const named = (kind: string) => rendered.filter((r) => r.kind === kind).map((r) => r.metadata.name);
    const job = podOf(findResource(rendered, 'Job', 'db-init'));
    expect(named('Secret')).toContain(job.spec.containers[0]?.envFrom?.[0]?.secretRef.name);
    expect(named('ConfigMap')).toContain(job.spec.volumes?.[0]?.configMap?.name);
    expect(job.spec.volumes?.[0]?.configMap?.name).toMatch(/^db-init-[a-z0-9]+$/);
  });
});

describe("staging's db-init script against a real MariaDB (Debian's mariadbd; no cluster, no container)", () => {
  const files = renderRepo({ rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab' });
  const passwords: Record<string, string> = {
    DB_ROOT_PASSWORD: 'admin-secret',
    ...Object.fromEntries(['ORDERS', 'LEDGER', 'BILLING'].flatMap((s) => [[`${s}_DB_PASSWORD`, `${s.toLowerCase()}-serving`], [`${s}_DB_MIGRATION_PASSWORD`, `${s.toLowerCase()}-owner`]])),
  };
  let db: MariaDb;
  beforeAll(async () => {
    db = await startMariaDb();
    // The StatefulSet's MARIADB_ROOT_PASSWORD, for root over TCP (db.query goes on through the socket as root@localhost).
    await db.query("ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY 'admin-secret';");
  }, 90_000);
  afterAll(async () => {
    await db?.stop();
  });

  /** The script as the Job runs it, with the Service's name and port replaced by this server's. */
  const runScript = (env: Record<string, string>) => {
    const script = (files.get(`${SERVERS}/db-init/db-init.sh`) ?? '').replaceAll('-h mysql -P 3306', `-h 127.0.0.1 -P ${String(db.port)}`);
    return spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  };
  const mariadbAs = (user: string, password: string, sql: string) =>
    spawnSync('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(db.port), '-u', user, `--password=${password}`, '--batch', '-e', sql], { encoding: 'utf8' });

  it('is valid POSIX sh and passes shellcheck', () => {
    for (const db of ['mysql', 'tidb'] as const) {
      const dir = mkdtempSync(path.join(tmpdir(), 'csb-db-init-'));
      const script = path.join(dir, 'db-init.sh');
      writeFileSync(script, renderRepo({ rpc: 'grpc', discovery: 'etcd', db, ci: 'gitlab' }).get(`${SERVERS}/db-init/db-init.sh`) ?? '');
      const check = spawnSync('shellcheck', ['-s', 'sh', script], { encoding: 'utf8' });
      expect(check.error, 'shellcheck is missing: apt-get install -y shellcheck').toBeUndefined();
      expect(check.stdout + check.stderr, db).toBe('');
      expect(check.status).toBe(0);
      rmSync(dir, { recursive: true });
    }
  });

  it('stops in one line on a password left unset, before touching the database', () => {
    const { ORDERS_DB_PASSWORD: _unset, ...rest } = passwords;
    const run = runScript(rest);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('db-init: set ORDERS_DB_PASSWORD in secrets/db-init.env');
    const withoutAdmin = runScript({ ...passwords, DB_ROOT_PASSWORD: '' });
    expect(withoutAdmin.stderr.trim()).toBe('db-init: set DB_ROOT_PASSWORD in secrets/db-init.env');
  });

  it('creates each service\'s database and its two accounts, as the staging secret samples name them, twice over', () => {
    for (let run = 0; run < 2; run++) {
      const result = runScript(passwords);
      expect(result.status, result.stderr).toBe(0);
    }
    for (const service of ['orders', 'ledger', 'billing']) {
      const urlOf = (file: string) => new URL(/=(mysql:\/\/\S+)$/m.exec(files.get(`${STAGING_SECRETS}/${file}.env.sample`) ?? '')![1]!);
      const [serving, owner] = [urlOf(service), urlOf(`${service}-migrate`)];
      expect(serving.pathname).toBe(`/${service}`);
      const ownerRun = mariadbAs(decodeURIComponent(owner.username), `${service}-owner`, `CREATE TABLE ${service}.items (id INT PRIMARY KEY)`);
      expect(ownerRun.status, ownerRun.stderr).toBe(0);
      const rows = mariadbAs(decodeURIComponent(serving.username), `${service}-serving`, `INSERT INTO ${service}.items VALUES (1); SELECT COUNT(*) AS n FROM ${service}.items`);
      expect(rows.stdout).toBe('n\n1\n');
      const ddl = mariadbAs(decodeURIComponent(serving.username), `${service}-serving`, `DROP TABLE ${service}.items`);
      expect(ddl.status, 'the serving account changes rows, not the schema').not.toBe(0);
      expect(mariadbAs(service, `${service}-serving`, `SHOW DATABASES LIKE '${service}\\_test'`).stdout, 'no test databases in staging').toBe('');
    }
  });
});
