import { describe, expect, it } from 'vitest';
import { SERVICE_PACKAGE_VERSION } from '../../generators/k8s/names.js';
import {
  DEPENDENCY_TIMEOUT_S, DEREGISTER_DELAY_S, PRE_STOP_SLEEP_S, SHUTDOWN_TIMEOUT_S, SHUTDOWN_WORST_CASE_S, TERMINATION_GRACE_PERIOD_S,
} from '../../generators/k8s/timings.js';
import { combinations, findResource, k8sFiles, parseDocuments, podTemplateOf, renderRepo, type K8sResource } from './k8s-fixtures.js';

/** Our own checks of what the API schema cannot see; static, on the rendered files: no cluster runs here. */
type Probe = { httpGet?: { path: string; port: string | number }; grpc?: { port: number } };
interface Container {
  name: string;
  image: string;
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }>;
  envFrom?: Array<{ configMapRef: { name: string } }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}
interface PodTemplate { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: Container[] } }

const SERVICES = ['orders', 'ledger', 'billing'];

/** The keys of the `z.object({ ... })` env schema named `schema` in a source file, each with whether it is required. */
function envSchemaKeys(source: string, schema: string): Map<string, boolean> {
  const start = source.indexOf(`${schema} = z.object({\n`);
  if (start < 0) throw new Error(`no ${schema} in the source`);
  const block = source.slice(start, source.indexOf('\n});', start) + 5);
  const keys = new Map<string, boolean>();
  const definition = /^ {2}([A-Z][A-Z0-9_]+): ([\s\S]*?)(?=^ {2}[A-Z.][A-Za-z0-9_.]*[:.]|^\}\);)/gm;
  for (const [, name, body] of block.matchAll(definition)) {
    if (!name || body === undefined) continue;
    keys.set(name, !/\.optional\(\)|\.default\(|^integer\(/.test(body));
  }
  return keys;
}

describe.each(combinations)('Kubernetes semantics, static checks, no cluster (%s)', (_label, choices) => {
  const files = renderRepo(choices);
  const resources = k8sFiles(files)
    .filter(([file]) => file.startsWith('deploy/k8s/base/') && !file.endsWith('kustomization.yaml'))
    .flatMap(([, text]) => parseDocuments(text));
  const all = (kind: string) => resources.filter((r) => r.kind === kind);
  const one = (kind: string, name: string) => findResource(resources, kind, name);
  const podOf = (resource: K8sResource) => podTemplateOf<PodTemplate>(resource);

  it('selects exactly the pods its workload makes: Deployment, Services, PDB and NetworkPolicy selectors match the pod labels', () => {
    for (const service of SERVICES) {
      const labels = podOf(one('Deployment', service)).metadata.labels;
      const matches = (selector: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
      const deploymentSpec = one('Deployment', service).spec as { selector: { matchLabels: Record<string, string> } };
      expect(matches(deploymentSpec.selector.matchLabels), service).toBe(true);
      for (const name of [service, `${service}-headless`]) expect(matches((one('Service', name).spec as { selector: Record<string, string> }).selector), name).toBe(true);
      expect(matches((one('PodDisruptionBudget', service).spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels)).toBe(true);
      expect(matches((one('NetworkPolicy', service).spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels)).toBe(true);
      const jobLabels = podOf(one('Job', `${service}-migrate`)).metadata.labels;
      const jobPolicy = (one('NetworkPolicy', `${service}-migrate`).spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector;
      expect(Object.entries(jobPolicy.matchLabels).every(([key, value]) => jobLabels[key] === value)).toBe(true);
      expect(matches(jobPolicy.matchLabels), 'the migration policy does not select the serving pods').toBe(false);
    }
  });

  it('carries the recommended labels on every resource', () => {
    for (const resource of resources) {
      expect(Object.keys(resource.metadata.labels ?? {}).sort(), `${resource.kind} ${resource.metadata.name}`).toEqual(
        ['component', 'instance', 'managed-by', 'name', 'part-of', 'version'].map((key) => `app.kubernetes.io/${key}`),
      );
      expect(resource.metadata.labels?.['app.kubernetes.io/version']).toBe(SERVICE_PACKAGE_VERSION);
    }
    for (const service of SERVICES) expect((JSON.parse(files.get(`services/${service}/package.json`) ?? '{}') as { version?: string }).version).toBe(SERVICE_PACKAGE_VERSION);
  });

  it('probes and scrapes only ports and paths the service serves', () => {
    for (const service of SERVICES) {
      const ops = files.get(`services/${service}/src/http/ops-server.ts`) ?? '';
      const served = [...ops.matchAll(/path === "(\/[a-z]+)"/g)].map((m) => m[1]);
      expect(served).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
      const pod = podOf(one('Deployment', service));
      const [container] = pod.spec.containers;
      const ports = container?.ports ?? [];
      const config = files.get(`services/${service}/src/config.ts`) ?? '';
      const defaultPort = (name: string) => Number(new RegExp(`${name}: integer\\(0, 65535, (\\d+)\\)`).exec(config)?.[1]);
      expect(ports.find((p) => p.name === 'http')?.containerPort).toBe(defaultPort('HTTP_PORT'));
      expect(ports.find((p) => p.name === 'rpc')?.containerPort).toBe(defaultPort('RPC_PORT'));
      for (const probe of [container?.startupProbe, container?.livenessProbe, container?.readinessProbe]) {
        expect(probe).toBeDefined();
        if (probe?.httpGet) {
          expect(ports.map((p) => p.name)).toContain(probe.httpGet.port);
          expect(served).toContain(probe.httpGet.path);
        } else {
          // Native gRPC probes need the standard health service, which only the gRPC layer serves.
          expect(files.get(`services/${service}/src/rpc/server.ts`)).toContain('health.addToServer(server)');
          expect(probe?.grpc?.port).toBe(defaultPort('RPC_PORT'));
        }
      }
      expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(defaultPort('HTTP_PORT')), 'prometheus.io/path': '/metrics' });
    }
  });

  it('scales the Deployment it names, and lets a drain through one pod at a time', () => {
    for (const service of SERVICES) {
      const hpa = one('HorizontalPodAutoscaler', service).spec as { scaleTargetRef: { kind: string; name: string } };
      expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: service });
      expect((one('PodDisruptionBudget', service).spec as { maxUnavailable: number }).maxUnavailable).toBe(1);
      const production = parseDocuments(files.get(`deploy/k8s/overlays/production/${service}/autoscaler.yaml`) ?? '')[0]?.spec as { minReplicas: number };
      expect(production.minReplicas).toBeGreaterThanOrEqual(2);
    }
  });

  it('provides every variable the config schema requires, and sets none it does not know', () => {
    for (const service of SERVICES) {
      const sources = [['src/config.ts', 'envSchema'], ['src/registry/factory.ts', 'registryEnv'], ['src/rpc/settings.ts', 'rpcEnv']] as const;
      const schema = new Map(sources.flatMap(([file, name]) => [...envSchemaKeys(files.get(`services/${service}/${file}`) ?? '', name)]));
      expect(schema.get('DATABASE_URL')).toBe(true);
      expect(schema.size).toBeGreaterThan(15);
      const [container] = podOf(one('Deployment', service)).spec.containers;
      const configMap = one('ConfigMap', service).data as Record<string, string>;
      const provided = [...(container?.env ?? []).map((e) => e.name), ...Object.keys(configMap)];
      const required = [...schema].filter(([, isRequired]) => isRequired).map(([name]) => name);
      expect(required.filter((name) => !provided.includes(name)), service).toEqual([]);
      expect(provided.filter((name) => !schema.has(name)), service).toEqual([]);
      expect(configMap.DB_MIGRATIONS).toBe('verify');
      const [migrate] = podOf(one('Job', `${service}-migrate`)).spec.containers;
      expect(migrate?.env?.map((e) => e.name)).toContain('MIGRATION_DATABASE_URL');
      expect(container?.env?.map((e) => e.name)).not.toContain('MIGRATION_DATABASE_URL');
    }
  });

  it('pins every image to a tag, never latest', () => {
    const images = [...all('Deployment'), ...all('Job')].flatMap((r) => podOf(r).spec.containers.map((c) => c.image));
    expect(images).toHaveLength(SERVICES.length * 2);
    for (const image of images) expect(image).toMatch(/^[a-z0-9./-]+:(?!latest$)[\w][\w.-]*$/);
    for (const overlay of ['staging', 'production']) {
      const kustomization = files.get(`deploy/k8s/overlays/${overlay}/kustomization.yaml`) ?? '';
      expect(kustomization).not.toMatch(/latest/);
      const [list] = parseDocuments(kustomization) as unknown as Array<{ images: Array<{ name: string; newTag: string }> }>;
      expect(list?.images.map((i) => i.name).sort()).toEqual(SERVICES.map((s) => `acme/${s}`).sort());
    }
  });

  it('keeps every secret out of the committed files: no Secret with data, no literal password, staging files gitignored', () => {
    const committed = k8sFiles(files).filter(([file]) => file.endsWith('.yaml')).flatMap(([, text]) => parseDocuments(text));
    expect(committed.filter((r) => r.kind === 'Secret')).toEqual([]);
    for (const resource of [...all('Deployment'), ...all('Job')]) {
      for (const env of podOf(resource).spec.containers.flatMap((c) => c.env ?? [])) {
        if (/URL|PASSWORD|TOKEN/.test(env.name)) expect(env.valueFrom?.secretKeyRef, env.name).toBeDefined();
        expect(env.value ?? '', env.name).not.toMatch(/:\/\/[^/]*:[^@]*@/);
      }
    }
    expect(files.get('.gitignore')).toContain('deploy/k8s/overlays/staging/secrets/*.env\n');
    expect(files.get('.dockerignore'), 'no build context carries the staging secrets').toMatch(/^deploy\/$/m);
    expect([...files.keys()].filter((file) => /\/secrets\/[^/]+\.env$/.test(file))).toEqual([]);
  });

  it("gives the pod as long as the service's own shutdown can take (src/app.ts), after preStop", () => {
    const app = files.get('services/orders/src/app.ts') ?? '';
    const config = files.get('services/orders/src/config.ts') ?? '';
    const millis = (pattern: RegExp, source: string) => Number(pattern.exec(source)?.[1]?.replace(/_/g, '')) / 1000;
    expect(millis(/DEPENDENCY_TIMEOUT_MS = ([\d_]+);/, app)).toBe(DEPENDENCY_TIMEOUT_S);
    expect(millis(/DEREGISTER_DELAY_MS: integer\(0, [\d_]+, ([\d_]+)\)/, config)).toBe(DEREGISTER_DELAY_S);
    expect(millis(/SHUTDOWN_TIMEOUT_MS: integer\(0, [\d_]+, ([\d_]+)\)/, config)).toBe(SHUTDOWN_TIMEOUT_S);
    // The steps of shutdown() after the drain, each bounded by DEPENDENCY_TIMEOUT_MS: registry, pool, ops server.
    expect(app.match(/\), DEPENDENCY_TIMEOUT_MS\)\) \|\|/g)).toHaveLength(3);
    expect(SHUTDOWN_WORST_CASE_S).toBe(27);
    for (const service of SERVICES) {
      const spec = (one('Deployment', service).spec as { template: { spec: { terminationGracePeriodSeconds: number; containers: Array<{ lifecycle: { preStop: { exec: { command: string[] } } } }> } } }).template.spec;
      expect(spec.terminationGracePeriodSeconds).toBe(TERMINATION_GRACE_PERIOD_S);
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(PRE_STOP_SLEEP_S + SHUTDOWN_WORST_CASE_S);
      expect(spec.containers[0]?.lifecycle.preStop.exec.command).toEqual(['sleep', String(PRE_STOP_SLEEP_S)]);
      const configMap = one('ConfigMap', service).data as Record<string, string>;
      expect([configMap.DEREGISTER_DELAY_MS, configMap.SHUTDOWN_TIMEOUT_MS]).toEqual([String(DEREGISTER_DELAY_S * 1000), String(SHUTDOWN_TIMEOUT_S * 1000)]);
    }
  });
});
