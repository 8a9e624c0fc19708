// A recorded-contract fake of the part of Consul's HTTP API that the Consul discovery choice
// (templates/service/discovery/consul/) uses. No Consul server can run on this machine (no Docker, not in
// Debian's apt), so the generated repo's Consul integration tests run against this fake instead. It is a
// contract fake, not Consul: it follows Consul's documented API (request and response shapes, status codes,
// blocking-query semantics), and where the docs are silent it follows Consul's agent source. Everything that
// is not modelled is listed under "Not modelled" below; a request outside the model gets an explicit error
// naming the fake, never a plausible-looking answer.
//
// Sources (Consul 1.20 docs; the same pages live in hashicorp/consul under website/content/api-docs/):
//   [register]   https://developer.hashicorp.com/consul/api-docs/agent/service#register-service
//   [deregister] https://developer.hashicorp.com/consul/api-docs/agent/service#deregister-service
//   [services]   https://developer.hashicorp.com/consul/api-docs/agent/service#list-services
//   [checks]     https://developer.hashicorp.com/consul/api-docs/agent/check#list-checks
//   [ttl]        https://developer.hashicorp.com/consul/api-docs/agent/check#ttl-check-pass (and -warn, -fail)
//   [check-ref]  https://developer.hashicorp.com/consul/docs/services/configuration/checks-configuration-reference
//                (initial `status` defaults to critical; `ttl`)
//   [health]     https://developer.hashicorp.com/consul/api-docs/health#list-service-instances-for-service
//   [blocking]   https://developer.hashicorp.com/consul/api-docs/features/blocking
//   [kv]         https://developer.hashicorp.com/consul/api-docs/kv
//   [status]     https://developer.hashicorp.com/consul/api-docs/status#get-raft-leader
//   [acl]        https://developer.hashicorp.com/consul/api-docs/api-structure#authentication
//   [agent-src]  hashicorp/consul agent/acl.go (vetServiceUpdateWithAuthorizer, vetCheckUpdateWithAuthorizer:
//                404 "Unknown service ID" / "Unknown check ID"), agent/agent.go (updateTTLCheck: "CheckID %q does not
//                have associated TTL"), agent/checks/check.go (CheckTTL: expiry sets critical, output "TTL expired").
//
// Modelled:
//   - one node ("consul-contract-fake", 127.0.0.1, dc1) whose serfHealth check is always passing;
//   - PUT /v1/agent/service/register (PascalCase or snake_case keys, one `Check` or `Checks`, TTL checks only,
//     `replace-existing-checks`), PUT /v1/agent/service/deregister/:id, GET /v1/agent/services, GET /v1/agent/checks;
//   - PUT /v1/agent/check/{pass,warn,fail}/:id?note=...: sets status and output and restarts the TTL clock;
//     a TTL check not updated within its TTL turns critical with output "TTL expired";
//   - GET /v1/health/service/:name with `passing`, as a blocking query (`index`, `wait`): X-Consul-Index is the
//     last index that changed that service's instances or their checks (for a name never seen: the last index of
//     the services table), and a query with `index` returns once that index has moved past it or `wait` is over;
//   - GET/PUT/DELETE /v1/kv/:key with `recurse`, `raw`, `keys`, `flags`, `cas`; values base64 in JSON; 404 with
//     X-Consul-Index when nothing matches; blocking GET (index = highest ModifyIndex in the prefix, deletes included);
//   - GET /v1/status/leader;
//   - ACLs when started with `aclToken`: every request must carry it (X-Consul-Token, `Authorization: Bearer`,
//     or `?token=`): none gives 403 "Permission denied", another gives 403 "ACL not found";
//   - restartAgent(): the agent restarts without a data dir (as a -dev agent does): it forgets every service and
//     check registered through the API, open connections (blocking queries) are cut, the KV store (kept by the
//     servers) survives. Afterwards a TTL update answers 404 "Unknown check ID", the signal to register again.
//
// Not modelled: script/HTTP/TCP/gRPC checks (400 naming the fake), DeregisterCriticalServiceAfter reaping
// (recorded, never acted on), the random extra wait of up to wait/16, `filter`, `tag`, `near`, `dc`, `ns`,
// sessions and locks (`acquire`/`release`), hash-based blocking, consistency modes, /v1/catalog.

import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ConsulContractFake {
  /** http://127.0.0.1:PORT, what CONSUL_HTTP_ADDR is set to. */
  address: string;
  /** Simulates a restart of an agent without a data dir: services and checks are forgotten, connections cut. */
  restartAgent(): void;
  /** Closes the server and every open connection; clears all timers. Idempotent. */
  stop(): Promise<void>;
}

export interface ConsulContractFakeOptions {
  /** When set, ACLs are on (default policy deny) and this is the only token that is allowed anything. */
  aclToken?: string;
}

const NODE_NAME = 'consul-contract-fake';
const NODE_ADDRESS = '127.0.0.1';
const DATACENTER = 'dc1';
/** [blocking]: "If not set, the wait time defaults to 5 minutes" and "This is limited to 10 minutes". */
const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;
/** [kv]: "Values in the KV store cannot be larger than 512kb." */
const MAX_KV_VALUE_BYTES = 512 * 1024;

type Status = 'passing' | 'warning' | 'critical';
const STATUSES: readonly Status[] = ['passing', 'warning', 'critical'];

interface ServiceState {
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Port: number;
  Address: string;
  Weights: { Passing: number; Warning: number };
  EnableTagOverride: boolean;
  CreateIndex: number;
  ModifyIndex: number;
}

interface CheckState {
  CheckID: string;
  Name: string;
  Status: Status;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ttlMs: number;
  ttl: string;
  deregisterCriticalServiceAfter: string;
  timer: NodeJS.Timeout | undefined;
  CreateIndex: number;
  ModifyIndex: number;
}

interface KvEntry {
  Key: string;
  Value: Buffer;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startConsulContractFake(options: ConsulContractFakeOptions = {}): Promise<ConsulContractFake> {
  const agent = new FakeAgent(options);
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    agent.handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      }
      res.end(message);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const cutConnections = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  let stopping: Promise<void> | undefined;
  return {
    address: `http://127.0.0.1:${port}`,
    restartAgent() {
      cutConnections();
      agent.restart();
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        agent.shutdown();
        server.close(() => resolve());
        cutConnections();
      });
      return stopping;
    },
  };
}

class FakeAgent {
  /** The raft index: every write that changes state takes the next one. A dev agent starts a little above 0. */
  private index = 12;
  private servicesTableIndex = 12;
  private kvTableIndex = 12;
  private readonly nodeId = randomUUID();
  private readonly services = new Map<string, ServiceState>();
  private readonly checks = new Map<string, CheckState>();
  /** Last index that changed anything about the instances of a service name (also its deregistrations). */
  private readonly serviceNameIndex = new Map<string, number>();
  private readonly kv = new Map<string, KvEntry>();
  /** Deleted keys and the index of their deletion: a recursive read's index must not go backwards on a delete. */
  private readonly kvTombstones = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private shutDown = false;

  constructor(private readonly options: ConsulContractFakeOptions) {}

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = await readBody(req);
    this.authorize(req, url);

    let match: RegExpMatchArray | null;
    if (path === '/v1/agent/service/register') {
      requireMethod(method, 'PUT');
      this.registerService(parseJson(body), url.searchParams.has('replace-existing-checks'));
      return send(res, 200);
    }
    if ((match = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path))) {
      requireMethod(method, 'PUT');
      this.deregisterService(decodeURIComponent(match[1]!));
      return send(res, 200);
    }
    if (path === '/v1/agent/services') {
      requireMethod(method, 'GET');
      return sendJson(res, Object.fromEntries([...this.services.values()].map((s) => [s.ID, this.agentService(s)])));
    }
    if (path === '/v1/agent/checks') {
      requireMethod(method, 'GET');
      return sendJson(res, Object.fromEntries([...this.checks.values()].map((c) => [c.CheckID, this.healthCheck(c)])));
    }
    if ((match = /^\/v1\/agent\/check\/(pass|warn|fail)\/(.+)$/.exec(path))) {
      requireMethod(method, 'PUT');
      const status: Status = match[1] === 'pass' ? 'passing' : match[1] === 'warn' ? 'warning' : 'critical';
      this.updateTtlCheck(decodeURIComponent(match[2]!), status, url.searchParams.get('note') ?? '');
      return send(res, 200);
    }
    if ((match = /^\/v1\/health\/service\/(.+)$/.exec(path))) {
      requireMethod(method, 'GET');
      const name = decodeURIComponent(match[1]!);
      const passing = boolParam(url.searchParams, 'passing');
      const currentIndex = () => this.serviceNameIndex.get(name) ?? this.servicesTableIndex;
      const index = await this.block(url.searchParams, currentIndex, req);
      return sendJson(res, this.healthService(name, passing), index);
    }
    if (path === '/v1/kv/' || (match = /^\/v1\/kv\/(.*)$/.exec(path))) {
      const key = decodeURIComponent(match?.[1] ?? '');
      if (method === 'GET') return this.kvGet(key, url.searchParams, req, res);
      if (method === 'PUT') return sendJson(res, this.kvPut(key, url.searchParams, body));
      if (method === 'DELETE') return sendJson(res, this.kvDelete(key, url.searchParams));
      throw new HttpError(405, `method ${method} not allowed`);
    }
    if (path === '/v1/status/leader') {
      requireMethod(method, 'GET');
      return sendJson(res, '127.0.0.1:8300');
    }
    if (path.startsWith('/v1/')) {
      throw new HttpError(404, `Consul contract fake: ${method} ${path} is not modelled (see consul-contract-fake.ts)`);
    }
    // What Go's http.ServeMux answers for an unknown path.
    throw new HttpError(404, '404 page not found\n');
  }

  restart(): void {
    for (const check of this.checks.values()) clearTimeout(check.timer);
    const names = new Set([...this.services.values()].map((s) => s.Service));
    this.services.clear();
    this.checks.clear();
    if (names.size > 0) {
      const index = this.write('services');
      for (const name of names) this.serviceNameIndex.set(name, index);
    }
    // The open blocking queries were cut with their connections (see startConsulContractFake); none is answered.
  }

  shutdown(): void {
    this.shutDown = true;
    for (const check of this.checks.values()) clearTimeout(check.timer);
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  // ------------------------------------------------------------------------------------------- ACLs

  private authorize(req: http.IncomingMessage, url: URL): void {
    const expected = this.options.aclToken;
    if (expected === undefined) return;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const header = req.headers['x-consul-token'];
    const token = (typeof header === 'string' ? header : undefined) ?? bearer ?? url.searchParams.get('token') ?? '';
    if (token === '') throw new HttpError(403, 'Permission denied: anonymous token lacks permission');
    if (token !== expected) throw new HttpError(403, 'ACL not found');
  }

  // ------------------------------------------------------------------------------- agent services

  /** [register] */
  private registerService(input: unknown, replaceExistingChecks: boolean): void {
    const definition = asObject(input, 'Request decode failed: body must be a JSON object');
    const name = stringField(definition, 'Name') ?? '';
    if (name === '') throw new HttpError(400, 'Missing service name');
    const id = stringField(definition, 'ID') || name;
    const port = field(definition, 'Port') ?? 0;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new HttpError(400, 'Request decode failed: Port must be an integer');
    }
    const tags = field(definition, 'Tags') ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) {
      throw new HttpError(400, 'Request decode failed: Tags must be an array of strings');
    }
    const meta = field(definition, 'Meta') ?? {};
    validateMeta(meta);
    const listed = field(definition, 'Checks') ?? [];
    if (!Array.isArray(listed)) throw new HttpError(400, 'Request decode failed: Checks must be an array');
    const single = field(definition, 'Check');
    const checkDefs = [...(single ? [single] : []), ...(listed as unknown[])].map((c, i, all) => this.parseCheck(c, id, name, all.length > 1 ? i + 1 : 0));

    const index = this.write('services');
    const existing = this.services.get(id);
    if (existing && existing.Service !== name) this.serviceNameIndex.set(existing.Service, index);
    const weights = asOptionalObject(field(definition, 'Weights'));
    this.services.set(id, {
      ID: id,
      Service: name,
      Tags: [...(tags as string[])],
      Meta: { ...(meta as Record<string, string>) },
      Port: port,
      Address: stringField(definition, 'Address') ?? '',
      Weights: {
        Passing: typeof weights?.Passing === 'number' ? weights.Passing : 1,
        Warning: typeof weights?.Warning === 'number' ? weights.Warning : 1,
      },
      EnableTagOverride: field(definition, 'EnableTagOverride') === true,
      CreateIndex: existing?.CreateIndex ?? index,
      ModifyIndex: index,
    });
    const keep = new Set(checkDefs.map((c) => c.CheckID));
    for (const check of this.checks.values()) {
      if (check.ServiceID === id && replaceExistingChecks && !keep.has(check.CheckID)) this.removeCheck(check);
    }
    for (const def of checkDefs) {
      const previous = this.checks.get(def.CheckID);
      if (previous) clearTimeout(previous.timer);
      const check: CheckState = {
        ...def,
        // Without an explicit `Status`, a re-registered check keeps its state; a new one starts critical [check-ref].
        Status: def.Status ?? previous?.Status ?? 'critical',
        Output: previous?.Output ?? '',
        timer: undefined,
        CreateIndex: previous?.CreateIndex ?? index,
        ModifyIndex: index,
      };
      this.checks.set(check.CheckID, check);
      this.armTtl(check);
    }
    this.serviceNameIndex.set(name, index);
    this.wake();
  }

  private parseCheck(
    input: unknown,
    serviceId: string,
    serviceName: string,
    position: number,
  ): Omit<CheckState, 'Status' | 'Output' | 'timer' | 'CreateIndex' | 'ModifyIndex'> & { Status: Status | undefined } {
    const check = asObject(input, 'Request decode failed: Check must be a JSON object');
    for (const kind of ['HTTP', 'TCP', 'GRPC', 'Args', 'ScriptArgs', 'DockerContainerID', 'H2PING', 'UDP', 'AliasService']) {
      if (field(check, kind) !== undefined) {
        throw new HttpError(400, `Consul contract fake: only TTL checks are modelled, not ${kind} checks`);
      }
    }
    const ttl = stringField(check, 'TTL') ?? '';
    const ttlMs = parseDuration(ttl);
    if (ttlMs === undefined || ttlMs <= 0) {
      throw new HttpError(400, `Invalid check: TTL must be > 0 for TTL checks (got "${ttl}")`);
    }
    const status = stringField(check, 'Status');
    if (status !== undefined && status !== '' && !STATUSES.includes(status as Status)) {
      throw new HttpError(400, `Invalid check status: "${status}"`);
    }
    const dcsa = stringField(check, 'DeregisterCriticalServiceAfter') ?? '';
    if (dcsa !== '' && parseDuration(dcsa) === undefined) {
      throw new HttpError(400, `Request decode failed: invalid duration "${dcsa}"`);
    }
    // Defaults: check ID "service:<service id>" (":<n>" appended when there are several), name "Service '<name>' check".
    const suffix = position > 0 ? `:${position}` : '';
    return {
      CheckID: stringField(check, 'CheckID') || stringField(check, 'ID') || `service:${serviceId}${suffix}`,
      Name: stringField(check, 'Name') || `Service '${serviceName}' check`,
      Notes: stringField(check, 'Notes') ?? '',
      ServiceID: serviceId,
      ServiceName: serviceName,
      Status: status === '' ? undefined : (status as Status | undefined),
      ttl,
      ttlMs,
      deregisterCriticalServiceAfter: dcsa,
    };
  }

  /** [deregister]: the docs say "no action is taken" for an unknown ID; the agent answers 404 [agent-src]. */
  private deregisterService(id: string): void {
    const service = this.services.get(id);
    if (!service) {
      throw new HttpError(404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    }
    const index = this.write('services');
    this.services.delete(id);
    for (const check of this.checks.values()) if (check.ServiceID === id) this.removeCheck(check);
    this.serviceNameIndex.set(service.Service, index);
    this.wake();
  }

  private removeCheck(check: CheckState): void {
    clearTimeout(check.timer);
    this.checks.delete(check.CheckID);
  }

  // ---------------------------------------------------------------------------------- TTL checks

  /** [ttl]: sets the status and output, restarts the TTL clock. */
  private updateTtlCheck(id: string, status: Status, note: string): void {
    const check = this.checks.get(id);
    if (!check) {
      throw new HttpError(404, `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
    }
    this.setStatus(check, status, note);
    this.armTtl(check);
  }

  /** CheckTTL: when the TTL runs out without an update, the check turns critical. */
  private armTtl(check: CheckState): void {
    clearTimeout(check.timer);
    check.timer = setTimeout(() => {
      if (this.checks.get(check.CheckID) !== check) return;
      const output = check.Output === '' ? 'TTL expired' : `TTL expired (last output before timeout follows): ${check.Output}`;
      this.setStatus(check, 'critical', output);
    }, check.ttlMs);
    check.timer.unref();
  }

  /** The agent syncs a check to the catalog only when its status or output changed: only then the index moves. */
  private setStatus(check: CheckState, status: Status, output: string): void {
    if (check.Status === status && check.Output === output) return;
    const index = this.write('services');
    check.Status = status;
    check.Output = output;
    check.ModifyIndex = index;
    this.serviceNameIndex.set(check.ServiceName, index);
    this.wake();
  }

  // ------------------------------------------------------------------------------- read shapes

  /** [services] */
  private agentService(s: ServiceState) {
    return {
      ID: s.ID,
      Service: s.Service,
      Tags: s.Tags,
      Meta: s.Meta,
      Port: s.Port,
      Address: s.Address,
      Weights: s.Weights,
      EnableTagOverride: s.EnableTagOverride,
      Datacenter: DATACENTER,
    };
  }

  /** [checks], and the entries of `Checks` in [health] */
  private healthCheck(c: CheckState) {
    return {
      Node: NODE_NAME,
      CheckID: c.CheckID,
      Name: c.Name,
      Status: c.Status,
      Notes: c.Notes,
      Output: c.Output,
      ServiceID: c.ServiceID,
      ServiceName: c.ServiceName,
      ServiceTags: this.services.get(c.ServiceID)?.Tags ?? [],
      Type: 'ttl',
      Definition: { TTL: c.ttl, DeregisterCriticalServiceAfter: c.deregisterCriticalServiceAfter || '0s' },
      CreateIndex: c.CreateIndex,
      ModifyIndex: c.ModifyIndex,
    };
  }

  private serfHealth() {
    return {
      Node: NODE_NAME,
      CheckID: 'serfHealth',
      Name: 'Serf Health Status',
      Status: 'passing',
      Notes: '',
      Output: 'Agent alive and reachable',
      ServiceID: '',
      ServiceName: '',
      ServiceTags: [],
      Type: '',
      CreateIndex: 11,
      ModifyIndex: 11,
    };
  }

  /** [health]: `passing` keeps only the instances all of whose checks (node checks included) pass. */
  private healthService(name: string, passing: boolean) {
    const node = {
      ID: this.nodeId,
      Node: NODE_NAME,
      Address: NODE_ADDRESS,
      Datacenter: DATACENTER,
      TaggedAddresses: { lan: NODE_ADDRESS, lan_ipv4: NODE_ADDRESS, wan: NODE_ADDRESS, wan_ipv4: NODE_ADDRESS },
      Meta: { 'consul-network-segment': '' },
      CreateIndex: 11,
      ModifyIndex: 11,
    };
    return [...this.services.values()]
      .filter((s) => s.Service === name)
      .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0))
      .map((s) => {
        const checks = [...this.checks.values()].filter((c) => c.ServiceID === s.ID).map((c) => this.healthCheck(c));
        return {
          Node: node,
          Service: { ...this.agentService(s), CreateIndex: s.CreateIndex, ModifyIndex: s.ModifyIndex },
          Checks: [...checks, this.serfHealth()],
        };
      })
      .filter((entry) => !passing || entry.Checks.every((c) => c.Status === 'passing'));
  }

  // --------------------------------------------------------------------------------------- KV

  /** [kv] Read Key */
  private async kvGet(key: string, params: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse) {
    const keysOnly = boolParam(params, 'keys');
    const recurse = keysOnly || boolParam(params, 'recurse');
    const matching = () =>
      [...this.kv.values()]
        .filter((e) => (recurse ? e.Key.startsWith(key) : e.Key === key))
        .sort((a, b) => (a.Key < b.Key ? -1 : 1));
    const currentIndex = () => {
      const entries = matching();
      if (entries.length === 0 && !recurse && !this.kvTombstones.has(key)) return this.kvTableIndex;
      let index = 0;
      for (const entry of entries) index = Math.max(index, entry.ModifyIndex);
      for (const [k, deleted] of this.kvTombstones) {
        if (recurse ? k.startsWith(key) : k === key) index = Math.max(index, deleted);
      }
      return index === 0 ? this.kvTableIndex : index;
    };
    const index = await this.block(params, currentIndex, req);
    const entries = matching();
    if (entries.length === 0) return send(res, 404, '', index);
    if (keysOnly) {
      const separator = params.get('separator') ?? '';
      const keys = new Set<string>();
      for (const e of entries) {
        const rest = e.Key.slice(key.length);
        const cut = separator === '' ? -1 : rest.indexOf(separator);
        keys.add(cut === -1 ? e.Key : key + rest.slice(0, cut + separator.length));
      }
      return sendJson(res, [...keys], index);
    }
    if (boolParam(params, 'raw')) {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Consul-Index': String(index) });
      res.end(entries[0]!.Value);
      return;
    }
    return sendJson(
      res,
      entries.map((e) => ({
        LockIndex: 0,
        Key: e.Key,
        Flags: e.Flags,
        Value: e.Value.length === 0 ? null : e.Value.toString('base64'),
        CreateIndex: e.CreateIndex,
        ModifyIndex: e.ModifyIndex,
      })),
      index,
    );
  }

  /** [kv] Create/Update Key: the body is the value as is; answers true, or false when a `cas` does not match. */
  private kvPut(key: string, params: URLSearchParams, body: Buffer): boolean {
    if (key === '') throw new HttpError(400, 'Missing key name');
    if (body.length > MAX_KV_VALUE_BYTES) {
      throw new HttpError(413, `Request body(${body.length} bytes) too large, max size: ${MAX_KV_VALUE_BYTES} bytes.`);
    }
    const flags = Number(params.get('flags') ?? '0');
    if (!Number.isInteger(flags) || flags < 0) throw new HttpError(400, 'Invalid flags');
    const existing = this.kv.get(key);
    if (params.has('cas')) {
      const cas = Number(params.get('cas'));
      if (!Number.isInteger(cas) || cas < 0) throw new HttpError(400, 'Invalid cas index');
      if (cas === 0 ? existing !== undefined : existing?.ModifyIndex !== cas) return false;
    }
    const index = this.write('kv');
    this.kv.set(key, { Key: key, Value: body, Flags: flags, CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index });
    this.kvTombstones.delete(key);
    this.wake();
    return true;
  }

  /** [kv] Delete Key */
  private kvDelete(key: string, params: URLSearchParams): boolean {
    const recurse = boolParam(params, 'recurse');
    const doomed = [...this.kv.values()].filter((e) => (recurse ? e.Key.startsWith(key) : e.Key === key));
    if (params.has('cas')) {
      const cas = Number(params.get('cas'));
      if (cas === 0 || doomed[0]?.ModifyIndex !== cas) return false;
    }
    if (doomed.length === 0) return true;
    const index = this.write('kv');
    for (const entry of doomed) {
      this.kv.delete(entry.Key);
      this.kvTombstones.set(entry.Key, index);
    }
    this.wake();
    return true;
  }

  // -------------------------------------------------------------------------------- blocking

  /**
   * [blocking]: without `index` (or with 0) the query answers at once. With `index`, it "hangs" until the
   * resource's index is greater than that, or `wait` (default 5m, at most 10m) is over; either way the answer
   * carries the current index, so a return is no guarantee of a change.
   */
  private async block(params: URLSearchParams, currentIndex: () => number, req: http.IncomingMessage): Promise<number> {
    const rawIndex = params.get('index');
    const minIndex = rawIndex === null || rawIndex === '' ? 0 : Number(rawIndex);
    if (!Number.isInteger(minIndex) || minIndex < 0) throw new HttpError(400, 'Invalid index');
    const rawWait = params.get('wait');
    let waitMs = DEFAULT_WAIT_MS;
    if (rawWait !== null && rawWait !== '') {
      const parsed = parseDuration(rawWait);
      if (parsed === undefined) throw new HttpError(400, 'Invalid wait time');
      waitMs = Math.min(parsed, MAX_WAIT_MS);
    }
    if (minIndex === 0 || currentIndex() > minIndex || this.shutDown) return currentIndex();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        req.socket.off('close', done);
        resolve();
      };
      const check = () => {
        if (currentIndex() > minIndex || this.shutDown) done();
      };
      const timer = setTimeout(done, waitMs);
      this.waiters.add(check);
      req.socket.once('close', done);
    });
    return currentIndex();
  }

  /** The next raft index, recorded as the last index of the table written to. */
  private write(table: 'services' | 'kv'): number {
    this.index += 1;
    if (table === 'services') this.servicesTableIndex = this.index;
    else this.kvTableIndex = this.index;
    return this.index;
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }
}

// ------------------------------------------------------------------------------------------ helpers

/** Consul accepts PascalCase and snake_case keys in service definitions [register]. */
function field(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const snake = name
    .replace(/ID$/, 'Id')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  if (snake in object) return object[snake];
  const lower = name.toLowerCase();
  return lower in object ? object[lower] : undefined;
}

function stringField(object: Record<string, unknown>, name: string): string | undefined {
  const value = field(object, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `Request decode failed: ${name} must be a string`);
  return value;
}

function asObject(value: unknown, message: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, message);
  return value as Record<string, unknown>;
}

function asOptionalObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Service metadata rules: at most 64 pairs, keys of [A-Za-z0-9_-] up to 128 characters, values up to 512. */
function validateMeta(meta: unknown): void {
  const object = asObject(meta, 'Request decode failed: Meta must be an object of strings');
  const entries = Object.entries(object);
  if (entries.length > 64) throw new HttpError(400, 'Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs');
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new HttpError(400, 'Request decode failed: Meta must be an object of strings');
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(key) || key.startsWith('consul-')) {
      throw new HttpError(400, `Invalid Service Meta: Key contains invalid characters or is reserved: ${key}`);
    }
    if (value.length > 512) throw new HttpError(400, `Invalid Service Meta: Value is too long (limit: 512 characters): ${key}`);
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `Request decode failed: ${(error as Error).message}`);
  }
}

/** Query flags as Consul reads them: present without a value means true. */
function boolParam(params: URLSearchParams, name: string): boolean {
  if (!params.has(name)) return false;
  const value = params.get(name) ?? '';
  return value === '' || ['1', 't', 'true', 'TRUE', 'True'].includes(value);
}

/** Go's time.ParseDuration for what Consul clients send: "10s", "1m30s", "500ms", "1.5h". */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  if (text === '0') return 0;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * units[part[2]!]!;
  return total;
}

function requireMethod(method: string, expected: string): void {
  if (method !== expected) throw new HttpError(405, `method ${method} not allowed`);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function consulHeaders(index: number | undefined): Record<string, string> {
  return index === undefined
    ? {}
    : { 'X-Consul-Index': String(index), 'X-Consul-KnownLeader': 'true', 'X-Consul-LastContact': '0' };
}

function send(res: http.ServerResponse, status: number, text = '', index?: number): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...consulHeaders(index) });
  res.end(text);
}

function sendJson(res: http.ServerResponse, value: unknown, index?: number): void {
  res.writeHead(200, { 'Content-Type': 'application/json', ...consulHeaders(index) });
  res.end(JSON.stringify(value));
}
