import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDir } from '../cli/run-cli.js';
import { isolated, nginxTest, run } from '../support/isolated.js';
import { serviceNames } from '../../generators/shared/names.js';

/**
 * The gateway (nginx in front of the services) and the `logging` profile (Elasticsearch, Kibana
 * behind nginx basic auth, Filebeat) of a generated repo. The nginx configs are checked by Debian's
 * real `nginx -t` and served by it: upstreams are compose service names, so nginx runs in a private
 * mount namespace where /etc/hosts maps them to 127.0.0.1 (and, to serve, a private network
 * namespace so the fixed ports cannot clash with the machine's). The configs are never rewritten.
 * Needs root, `npm run build` (dist/), Debian packages nginx, libnginx-mod-stream, apache2-utils,
 * docker-compose, and util-linux's unshare.
 */
const RENDER_REPO = fileURLToPath(new URL('../support/render-repo.mjs', import.meta.url));

interface Repo {
  rpc: 'grpc' | 'thrift';
  discovery: 'etcd' | 'consul';
  db: 'mysql' | 'tidb';
  ci: 'gitlab' | 'jenkins';
  services: string[];
}

const REPOS: Repo[] = [
  { rpc: 'grpc', discovery: 'etcd', db: 'mysql', ci: 'gitlab', services: ['api'] },
  { rpc: 'grpc', discovery: 'consul', db: 'tidb', ci: 'jenkins', services: ['api', 'order-book'] },
  { rpc: 'thrift', discovery: 'consul', db: 'mysql', ci: 'gitlab', services: ['a'] },
  { rpc: 'thrift', discovery: 'etcd', db: 'tidb', ci: 'jenkins', services: ['order-book', 'abcdefghij-klmnopqrst-uvwxyz12'] },
];

const label = (r: Repo) => `${r.rpc}-${r.services.length}`;

interface Rendered {
  dir: string;
  /** From the answers file: each service's name and RPC port. */
  services: Array<{ name: string; rpcPort: number }>;
}

// The tests only read the rendered repos: each is rendered once, however many tests use it.
const renders = new Map<string, Rendered>();

function render(repo: Repo): Rendered {
  const cached = renders.get(label(repo));
  if (cached) return cached;
  const dir = path.join(tempDir('csb-gateway-'), label(repo));
  execFileSync(process.execPath, [
    RENDER_REPO, dir, '--rpc', repo.rpc, '--discovery', repo.discovery, '--db', repo.db, '--ci', repo.ci,
    '--service', repo.services.join(','),
  ], { stdio: 'pipe' });
  const answers = JSON.parse(readFileSync(path.join(dir, '.startup-backend.json'), 'utf8')) as Rendered;
  const rendered = { dir, services: answers.services };
  renders.set(label(repo), rendered);
  return rendered;
}

/** `docker-compose config` of the rendered repo, resolved (with its .env) and parsed. */
interface ComposeService {
  image?: string;
  profiles?: string[];
  ports?: string[];
  volumes?: string[];
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
}

type ComposeConfig = { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const composeConfigs = new Map<string, ComposeConfig>();

function composeConfig(dir: string, profile?: string): ComposeConfig {
  const key = `${dir}\0${profile ?? ''}`;
  const cached = composeConfigs.get(key);
  if (cached) return cached;
  const result = run('docker-compose', [...(profile ? ['--profile', profile] : []), 'config'], { cwd: dir });
  expect(result.status, result.output).toBe(0);
  const config = parse(result.stdout) as ComposeConfig;
  composeConfigs.set(key, config);
  return config;
}

/**
 * The `/<package>.<Service>/` prefix of a service's gRPC methods, read from its generated proto (a later
 * service's proto/ also holds a copy of the first service's, for its client of it).
 */
function grpcPrefix(dir: string, service: string): string {
  const proto = readFileSync(path.join(dir, 'services', service, 'proto', `${serviceNames(service).snakeName}.proto`), 'utf8');
  return `/${/^package ([\w.]+);/m.exec(proto)![1]}.${/^service (\w+) \{/m.exec(proto)![1]}/`;
}

/** Each service's gateway port and the request that must reach it. */
function gatewayRoutes(repo: Repo, rendered: Rendered) {
  return rendered.services.map((s) =>
    repo.rpc === 'grpc'
      ? { service: s.name, rpcPort: s.rpcPort, gatewayPort: 8080, path: `${grpcPrefix(rendered.dir, s.name)}GetItem` }
      : { service: s.name, rpcPort: s.rpcPort, gatewayPort: s.rpcPort - 10000, path: '' },
  );
}

/**
 * Runs inside the namespaces: fake services (HTTP/2 answering like gRPC, or TCP), Debian's nginx
 * with the generated config, then the requests; prints what each one got back.
 */
const SMOKE_SCRIPT = String.raw`
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { spawn } from 'node:child_process';

const { mode, config, pidFile, readyPort, backends, requests } = JSON.parse(process.env.SMOKE);
const servers = backends.map(({ name, port }) => {
  const server = mode === 'grpc'
    ? http2.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/grpc' });
          res.addTrailers({ 'grpc-status': '0' });
          res.end(JSON.stringify({ backend: name, path: req.url }));
        });
      })
    : mode === 'tcp'
      ? net.createServer((socket) => socket.once('data', (data) => socket.end(name + ' got ' + data)))
      : http.createServer((req, res) => res.end(JSON.stringify({ backend: name, path: req.url, auth: req.headers.authorization ?? null })));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
});
const listening = await Promise.all(servers);

let nginxLog = '';
const nginx = spawn('nginx', ['-c', config, '-g', 'daemon off; pid ' + pidFile + ';'], { stdio: ['ignore', 'pipe', 'pipe'] });
nginx.stdout.on('data', (d) => (nginxLog += d));
nginx.stderr.on('data', (d) => (nginxLog += d));

const get = (port, pathname, headers = {}) => new Promise((resolve) => {
  http.get({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode, body }));
  }).on('error', (error) => resolve({ status: 0, body: String(error) }));
});

const grpcCall = (port, pathname) => new Promise((resolve) => {
  const client = http2.connect('http://127.0.0.1:' + port);
  client.on('error', (error) => resolve({ error: String(error) }));
  const req = client.request({ ':method': 'POST', ':path': pathname, 'content-type': 'application/grpc', te: 'trailers' });
  let headers = {};
  let trailers = {};
  let body = '';
  req.on('response', (h) => (headers = h));
  req.on('trailers', (t) => (trailers = t));
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    client.close();
    resolve({ status: headers[':status'], grpcStatus: trailers['grpc-status'] ?? headers['grpc-status'], body });
  });
  req.end(Buffer.from([0, 0, 0, 0, 0]));
});

const tcpCall = (port, text) => new Promise((resolve) => {
  let body = '';
  const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
  socket.on('data', (d) => (body += d));
  socket.on('error', (error) => resolve({ error: String(error) }));
  socket.on('close', () => resolve({ body }));
});

let ready = false;
for (let i = 0; i < 100 && !ready; i++) {
  ready = (await get(readyPort, '/healthz')).status === 200;
  if (!ready) await new Promise((r) => setTimeout(r, 100));
}
const results = [];
if (ready) {
  for (const r of requests) {
    if (mode === 'grpc') results.push(await grpcCall(r.port, r.path));
    else if (mode === 'tcp') results.push(await tcpCall(r.port, r.text));
    else results.push(await get(r.port, r.path, r.headers));
  }
}
if (nginx.exitCode === null) {
  const exited = new Promise((r) => nginx.once('exit', r));
  nginx.kill('SIGTERM');
  await exited;
}
for (const server of listening) server.close();
console.log(JSON.stringify({ ready, results, nginxLog }));
`;

interface Smoke {
  mode: 'grpc' | 'tcp' | 'http';
  config: string;
  readyPort: number;
  backends: Array<{ name: string; port: number }>;
  requests: Array<{ port: number; path?: string; text?: string; headers?: Record<string, string> }>;
}

function smoke(smokeConfig: Smoke, mounts: Array<[string, string]> = []) {
  const dir = tempDir('csb-smoke-');
  const script = path.join(dir, 'smoke.mjs');
  writeFileSync(script, SMOKE_SCRIPT);
  const result = isolated(smokeConfig.backends.map((b) => b.name), [process.execPath, script], {
    network: true,
    mounts,
    env: { SMOKE: JSON.stringify({ ...smokeConfig, pidFile: path.join(dir, 'nginx.pid') }) },
  });
  expect(result.status, result.output).toBe(0);
  const outcome = JSON.parse(result.stdout) as { ready: boolean; results: Array<Record<string, unknown>>; nginxLog: string };
  expect(outcome.ready, `nginx did not come up: ${outcome.nginxLog}`).toBe(true);
  return outcome;
}

describe.each(REPOS)('gateway and logging profile ($rpc, $services)', (repo) => {
  let rendered: Rendered;
  let gatewayConf = '';

  beforeAll(() => {
    rendered = render(repo);
    gatewayConf = path.join(rendered.dir, 'ops/nginx/gateway.conf');
  });

  it("passes Debian's nginx -t with the compose service names resolving, without warnings", () => {
    const result = nginxTest(gatewayConf, rendered.services.map((s) => s.name));
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/test is successful/);
    expect(result.output).not.toMatch(/\[(warn|emerg|alert)\]/);
  });

  it('fails nginx -t when a service name does not resolve (the upstreams are really checked)', () => {
    const missing = rendered.services.at(-1)!;
    const result = nginxTest(gatewayConf, rendered.services.slice(0, -1).map((s) => s.name));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`host not found in upstream "${missing.name}:${missing.rpcPort}"`);
  });

  it("routes each service's RPC traffic to it through the gateway (real nginx on loopback)", () => {
    const routes = gatewayRoutes(repo, rendered);
    const backends = routes.map((r) => ({ name: r.service, port: r.rpcPort }));
    if (repo.rpc === 'grpc') {
      const unknown = '/nobody.v1.NobodyService/GetItem';
      const { results } = smoke({
        mode: 'grpc', config: gatewayConf, readyPort: 8081, backends,
        requests: [...routes.map((r) => ({ port: r.gatewayPort, path: r.path })), { port: 8080, path: unknown }],
      });
      routes.forEach((r, i) => {
        expect(results[i], JSON.stringify(results[i])).toMatchObject({ status: 200, grpcStatus: '0' });
        expect(JSON.parse(String(results[i]!.body))).toEqual({ backend: r.service, path: r.path });
      });
      // UNIMPLEMENTED, which a gRPC client reports as such, for a service the gateway does not know.
      expect(results.at(-1)).toMatchObject({ status: 200, grpcStatus: '12', body: '' });
    } else {
      const { results } = smoke({
        mode: 'tcp', config: gatewayConf, readyPort: 8081, backends,
        requests: routes.map((r) => ({ port: r.gatewayPort, text: `frame for ${r.service}` })),
      });
      routes.forEach((r, i) => expect(results[i]).toEqual({ body: `${r.service} got frame for ${r.service}` }));
    }
  });

  it('publishes exactly the ports the gateway listens on, on 127.0.0.1, once the services exist', () => {
    const { services } = composeConfig(rendered.dir);
    const gateway = services.gateway!;
    // gateway.conf and the per-service files it includes.
    const servicesDir = path.join(path.dirname(gatewayConf), 'services');
    const configText = [gatewayConf, ...readdirSync(servicesDir).map((file) => path.join(servicesDir, file))].map((file) => readFileSync(file, 'utf8')).join('\n');
    const listens = [...configText.matchAll(/^\s*listen (\d+)/gm)].map((m) => Number(m[1]));
    const expected = [...new Set(gatewayRoutes(repo, rendered).map((r) => r.gatewayPort))];
    expect(listens.filter((p) => p !== 8081).sort()).toEqual(expected.sort());
    expect(gateway.ports).toEqual(expected.map((p) => `127.0.0.1:${p}:${p}/tcp`));
    expect(gateway.profiles).toBeUndefined();
    expect(Object.keys(gateway.depends_on ?? {}).sort()).toEqual(rendered.services.map((s) => s.name).sort());
    expect(gateway.volumes).toEqual([`${gatewayConf}:/etc/nginx/nginx.conf:ro`, `${servicesDir}:/etc/nginx/services:ro`]);
  });

  it('migrates as the schema owner: a <service>-migrate job per service before it, the service only verifying, with the rows-only account', () => {
    const { services } = composeConfig(rendered.dir);
    const env = readFileSync(path.join(rendered.dir, '.env'), 'utf8');
    const secret = (key: string) => new RegExp(`^${key}=(.+)$`, 'm').exec(env)?.[1];
    const dbInit = String(services['db-init']!.command);
    for (const { name } of rendered.services) {
      const { snakeName, constantName, migrationUser } = serviceNames(name);
      const [servingPassword, ownerPassword] = [secret(`${constantName}_DB_PASSWORD`), secret(`${constantName}_DB_MIGRATION_PASSWORD`)];
      expect(ownerPassword, name).toMatch(/^[\w-]{20,}$/);
      expect(ownerPassword).not.toBe(servingPassword);
      expect(migrationUser.length).toBeLessThanOrEqual(32);
      const job = services[`${name}-migrate`]!;
      expect(job.command).toEqual(['node', 'dist/migrate-main.js']);
      expect(job.environment!.MIGRATION_DATABASE_URL).toMatch(new RegExp(`^mysql://${migrationUser}:${ownerPassword}@(mysql:3306|tidb:4000)/${snakeName}$`));
      expect(job.depends_on).toEqual({ 'db-init': expect.objectContaining({ condition: 'service_completed_successfully' }) });
      const service = services[name]!;
      expect(service.environment!.DATABASE_URL).toMatch(new RegExp(`^mysql://${snakeName}:${servingPassword}@`));
      expect(service.environment!.DB_MIGRATIONS).toBe('verify');
      expect(service.environment!.MIGRATION_DATABASE_URL).toBeUndefined();
      expect(service.depends_on![`${name}-migrate`]).toEqual(expect.objectContaining({ condition: 'service_completed_successfully' }));
      expect(dbInit).toContain(`CREATE USER IF NOT EXISTS '${migrationUser}'@'%'`);
      expect(dbInit).toContain(`GRANT SELECT, INSERT, UPDATE, DELETE ON \\\`${serviceNames(name).grantDatabase}\\\`.* TO '${snakeName}'@'%'`);
    }
  });

  it("gives every container deploy.sh starts an image: its override names the migration jobs' too (docker-compose config, --no-build)", () => {
    const override = path.join(rendered.dir, 'deploy-override.yml');
    const deployScript = readFileSync(path.join(rendered.dir, 'scripts/deploy.sh'), 'utf8');
    expect(deployScript).toContain('echo "  $service-migrate:"');
    writeFileSync(override, ['services:', ...rendered.services.flatMap(({ name }) => [
      `  ${name}:`, `    image: "registry.example.com/acme/${name}:v1"`, `  ${name}-migrate:`, `    image: "registry.example.com/acme/${name}:v1"`,
    ])].join('\n') + '\n');
    const result = run('docker-compose', ['-f', 'docker-compose.yml', '-f', override, 'config'], { cwd: rendered.dir });
    expect(result.status, result.output).toBe(0);
    const { services } = parse(result.stdout) as ComposeConfig;
    for (const [name, service] of Object.entries(services)) {
      if ((service as { build?: unknown }).build !== undefined) expect(service.image, name).toMatch(/^registry\.example\.com\//);
    }
  });

  it('has a compose stack that docker-compose config -q accepts, plain and with --profile logging', () => {
    for (const args of [['config', '-q'], ['--profile', 'logging', 'config', '-q']]) {
      const result = run('docker-compose', args, { cwd: rendered.dir });
      expect(result.status, `${args.join(' ')}: ${result.output}`).toBe(0);
    }
  });

  it('wires the logging profile: pinned images, 127.0.0.1 only, Elasticsearch and Kibana unpublished', () => {
    const { services, volumes } = composeConfig(rendered.dir, 'logging');
    const logging = ['elasticsearch', 'kibana', 'kibana-htpasswd', 'kibana-proxy', 'filebeat'];
    for (const name of logging) {
      expect(services[name]?.profiles, name).toEqual(['logging']);
      expect(services[name]!.image, name).toMatch(/:\d+\.\d+\.\d+(-[a-z]+)?$/);
    }
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(services.elasticsearch!.ports).toBeUndefined();
    expect(services.kibana!.ports).toBeUndefined();
    expect(services['kibana-proxy']!.ports).toEqual(['127.0.0.1:5601:8080/tcp']);
    expect(services.elasticsearch!.volumes).toContain('elasticsearch-data:/usr/share/elasticsearch/data:rw');
    expect(Object.keys(volumes)).toEqual(expect.arrayContaining(['elasticsearch-data', 'filebeat-data', 'kibana-auth']));
    expect(services['kibana-proxy']!.depends_on).toEqual({
      'kibana-htpasswd': { condition: 'service_completed_successfully' },
      kibana: { condition: 'service_healthy' },
    });
    for (const name of ['elasticsearch', 'kibana', 'kibana-proxy', 'filebeat', 'gateway']) {
      expect(services[name]!.healthcheck?.test, name).toBeDefined();
    }
  });

  it('only docker-socket-proxy mounts the Docker socket; it answers filebeat alone, GET and HEAD only, with no privileges', () => {
    const { services } = composeConfig(rendered.dir, 'logging');
    const mountsSocket = Object.entries(services)
      .filter(([, service]) => (service.volumes ?? []).some((volume) => volume.startsWith('/var/run/docker.sock:')))
      .map(([name]) => name);
    expect(mountsSocket).toEqual(['docker-socket-proxy']);
    const proxy = services['docker-socket-proxy']!;
    expect(proxy.volumes).toEqual(['/var/run/docker.sock:/var/run/docker.sock:ro']);
    expect(proxy.ports).toBeUndefined();
    expect(proxy).toMatchObject({ read_only: true, cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'], profiles: ['logging'] });
    const flags = proxy.command!;
    expect(flags).toContain('-allowfrom=filebeat');
    // Nothing but reads: no -allowPOST, -allowPUT, -allowDELETE, -allowPATCH.
    expect(flags.filter((flag) => flag.startsWith('-allow')).map((flag) => flag.split('=')[0])).toEqual(['-allowfrom', '-allowGET', '-allowHEAD']);
    const allowGet = new RegExp(`^${flags.find((flag) => flag.startsWith('-allowGET='))!.slice('-allowGET='.length)}$`);
    for (const read of ['/_ping', '/v1.47/version', '/v1.47/containers/json', '/v1.47/containers/0123abcd/json', '/v1.47/events']) {
      expect(read, read).toMatch(allowGet);
    }
    for (const other of ['/v1.47/images/json', '/v1.47/secrets', '/v1.47/exec/x/json']) expect(other, other).not.toMatch(allowGet);
    expect(services.filebeat!.depends_on).toMatchObject({ 'docker-socket-proxy': { condition: 'service_started' } });
    const config = parse(readFileSync(path.join(rendered.dir, 'ops/filebeat/filebeat.yml'), 'utf8')) as {
      'filebeat.autodiscover': { providers: Array<{ host?: string }> };
    };
    expect(config['filebeat.autodiscover'].providers[0]!.host).toBe('tcp://docker-socket-proxy:2375');
  });

  it("passes nginx -t for the Kibana proxy, whose upstream is the compose service 'kibana'", () => {
    const kibanaConf = path.join(rendered.dir, 'ops/nginx/kibana.conf');
    const result = nginxTest(kibanaConf, ['kibana']);
    expect(result.status, result.output).toBe(0);
    expect(nginxTest(kibanaConf, []).output).toContain('host not found in upstream "kibana"');
  });

  it('filebeat.yml: structural check (no filebeat here): the inputs and output the compose file wires', () => {
    const { services } = composeConfig(rendered.dir, 'logging');
    const filebeat = services.filebeat!;
    const mounts = new Map((filebeat.volumes ?? []).map((v) => [v.split(':')[1]!, v.split(':')[0]!]));
    const configFile = mounts.get('/usr/share/filebeat/filebeat.yml');
    expect(configFile).toBe(path.join(rendered.dir, 'ops/filebeat/filebeat.yml'));
    expect(mounts.get('/var/lib/docker/containers')).toBe('/var/lib/docker/containers');

    const config = parse(readFileSync(configFile!, 'utf8')) as {
      'filebeat.autodiscover': { providers: Array<{ type: string; templates: Array<{ condition: { or: Array<{ equals: Record<string, string> }> }; config: Array<Record<string, unknown>> }> }> };
      'output.elasticsearch': { hosts: string[] };
    };
    const [provider] = config['filebeat.autodiscover'].providers;
    expect(provider!.type).toBe('docker');
    const [template] = provider!.templates;
    // Exactly the services' containers, by their compose service name.
    const watched = template!.condition.or.map((c) => c.equals['docker.container.labels.com.docker.compose.service']);
    expect(watched.sort()).toEqual(rendered.services.map((s) => s.name).sort());
    for (const name of watched) expect(services[name!], name).toBeDefined();

    const [input] = template!.config as Array<{ type: string; id: string; paths: string[]; parsers: Array<Record<string, Record<string, unknown>>> }>;
    expect(input!.type).toBe('filestream');
    expect(input!.id).toContain('${data.docker.container.id}');
    for (const p of input!.paths) expect(p.startsWith('/var/lib/docker/containers/${data.docker.container.id}/')).toBe(true);
    expect(input!.parsers.map((p) => Object.keys(p)[0])).toEqual(['container', 'ndjson']);
    expect(input!.parsers[1]!.ndjson).toMatchObject({ target: 'pino' });

    // The output is the compose Elasticsearch, on the port its healthcheck uses, and Filebeat waits for it.
    const [host] = config['output.elasticsearch'].hosts;
    const url = new URL(host!);
    expect(services[url.hostname]?.image).toMatch(/elasticsearch/);
    expect(services[url.hostname]!.healthcheck!.test.join(' ')).toContain(`localhost:${url.port}/`);
    expect(filebeat.depends_on?.[url.hostname]).toEqual({ condition: 'service_healthy' });
  });
});

describe('Kibana proxy (real nginx, basic auth from .env via htpasswd -B)', () => {
  it('asks for the .env credentials, then proxies to Kibana; /healthz needs none', () => {
    const rendered = render(REPOS[0]!);
    const { services } = composeConfig(rendered.dir, 'logging');
    const init = services['kibana-htpasswd']!;
    const { KIBANA_USER: user, KIBANA_PASSWORD: password } = init.environment!;
    expect(user).toBe('oncall');
    expect(password).toMatch(/^[\w-]{16,}$/);

    // The init container's own command, with its volume (/auth) at a local folder: the proxy's
    // /etc/nginx/auth is then that folder, bound over a copy of Debian's /etc/nginx.
    const etc = path.join(tempDir('csb-etc-nginx-'), 'nginx');
    execFileSync('cp', ['-a', '/etc/nginx', etc]);
    const auth = path.join(etc, 'auth');
    mkdirSync(auth);
    const volume = init.volumes!.find((v) => v.startsWith('kibana-auth:'))!.split(':')[1]!;
    const command = init.command!.join(' ').replaceAll('$$', '$').replaceAll(`${volume}/`, `${auth}/`);
    const htpasswd = run('sh', ['-c', command], { env: init.environment });
    expect(htpasswd.status, htpasswd.output).toBe(0);
    const line = readFileSync(path.join(auth, 'htpasswd'), 'utf8');
    expect(line).toMatch(new RegExp(`^${user}:\\$2y\\$`));
    expect(line).not.toContain(password);
    expect(services['kibana-proxy']!.volumes).toContain('kibana-auth:/etc/nginx/auth:ro');

    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    const { results } = smoke(
      {
        mode: 'http', config: path.join(rendered.dir, 'ops/nginx/kibana.conf'), readyPort: 8080,
        backends: [{ name: 'kibana', port: 5601 }],
        requests: [
          { port: 8080, path: '/app/discover' },
          { port: 8080, path: '/app/discover', headers: basic(user!, `${password}x`) },
          { port: 8080, path: '/app/discover', headers: basic(user!, password!) },
        ],
      },
      [[etc, '/etc/nginx']],
    );
    expect(results[0]).toMatchObject({ status: 401 });
    expect(results[1]).toMatchObject({ status: 401 });
    expect(results[2]).toMatchObject({ status: 200 });
    expect(JSON.parse(String(results[2]!.body))).toMatchObject({ backend: 'kibana', path: '/app/discover' });
  });
});

describe('generated README', () => {
  it('documents the gateway and the logging profile with the .env credentials', () => {
    const rendered = render(REPOS[2]!);
    const readme = readFileSync(path.join(rendered.dir, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Logs and the gateway'));
    expect(readme).toContain('## Logs and the gateway');
    for (const text of ['--profile logging', 'http://localhost:5601', 'KIBANA_USER', 'KIBANA_PASSWORD', '40051']) {
      expect(section).toContain(text);
    }
    expect(existsSync(path.join(rendered.dir, '.env'))).toBe(true);
  });
});
