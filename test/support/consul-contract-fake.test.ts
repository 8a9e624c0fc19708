// The Consul contract fake checked against Consul's documented HTTP API (the pages cited in
// consul-contract-fake.ts). These tests pin the contract the Consul discovery template relies on; they say
// nothing about a real Consul beyond what its docs say.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDuration, startConsulContractFake, type ConsulContractFake } from './consul-contract-fake.js';

let consul: ConsulContractFake;

beforeEach(async () => {
  consul = await startConsulContractFake();
});

afterEach(async () => {
  await consul.stop();
});

interface Answer {
  status: number;
  text: string;
  index: number | undefined;
  json: () => unknown;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${consul.address}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const index = response.headers.get('x-consul-index');
  return { status: response.status, text, index: index === null ? undefined : Number(index), json: () => JSON.parse(text) };
}

const register = (definition: object, query = '') => call('PUT', `/v1/agent/service/register${query}`, definition);
const web = (id: string, extra: object = {}) => ({
  ID: id,
  Name: 'web',
  Address: '10.0.0.1',
  Port: 8080,
  Check: { CheckID: `service:${id}`, TTL: '30s' },
  ...extra,
});
const healthIds = async (query = '?passing=true') =>
  ((await call('GET', `/v1/health/service/web${query}`)).json() as Array<{ Service: { ID: string } }>).map((e) => e.Service.ID);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Consul contract fake: agent service registration', () => {
  it('registers a service with a TTL check, listed by /v1/agent/services and /v1/agent/checks', async () => {
    const answer = await register({ ...web('web-1'), Tags: ['v1'], Meta: { version: '1' } });
    expect(answer.status).toBe(200);
    expect((await call('GET', '/v1/agent/services')).json()).toEqual({
      'web-1': {
        ID: 'web-1',
        Service: 'web',
        Tags: ['v1'],
        Meta: { version: '1' },
        Port: 8080,
        Address: '10.0.0.1',
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
        Datacenter: 'dc1',
      },
    });
    const checks = (await call('GET', '/v1/agent/checks')).json() as Record<string, Record<string, unknown>>;
    expect(checks['service:web-1']).toMatchObject({
      CheckID: 'service:web-1',
      Name: "Service 'web' check",
      Status: 'critical', // the initial status of a check defaults to critical
      ServiceID: 'web-1',
      ServiceName: 'web',
      ServiceTags: ['v1'],
      Type: 'ttl',
    });
  });

  it('defaults the service ID to the name and the check ID to service:<id>; accepts snake_case keys', async () => {
    expect((await register({ name: 'web', port: 1, check: { ttl: '10s', status: 'passing' } })).status).toBe(200);
    const checks = (await call('GET', '/v1/agent/checks')).json() as Record<string, { Status: string }>;
    expect(Object.keys((await call('GET', '/v1/agent/services')).json() as object)).toEqual(['web']);
    expect(checks['service:web']?.Status).toBe('passing');
  });

  it('answers 400 to a definition without a name, with a bad TTL, or with a check type the fake does not model', async () => {
    expect(await register({ Port: 1 })).toMatchObject({ status: 400, text: 'Missing service name' });
    expect((await register({ Name: 'web', Check: { TTL: 'soon' } })).status).toBe(400);
    expect((await call('PUT', '/v1/agent/service/register', '{not json')).text).toMatch(/^Request decode failed/);
    const http = await register({ Name: 'web', Check: { HTTP: 'http://127.0.0.1/', Interval: '10s' } });
    expect(http).toMatchObject({ status: 400, text: expect.stringContaining('contract fake') as unknown });
  });

  it('only accepts PUT for writes (405 otherwise)', async () => {
    expect((await call('GET', '/v1/agent/service/register')).status).toBe(405);
    expect((await call('GET', '/v1/agent/check/pass/x')).status).toBe(405);
  });

  it('deregisters a service and its checks; an unknown service ID answers 404', async () => {
    await register(web('web-1'));
    expect((await call('PUT', '/v1/agent/service/deregister/web-1')).status).toBe(200);
    expect((await call('GET', '/v1/agent/services')).json()).toEqual({});
    expect((await call('GET', '/v1/agent/checks')).json()).toEqual({});
    const again = await call('PUT', '/v1/agent/service/deregister/web-1');
    expect(again).toMatchObject({ status: 404, text: expect.stringMatching(/^Unknown service ID "web-1"/) as unknown });
  });

  it('replace-existing-checks drops the checks missing from the new definition', async () => {
    await register({ Name: 'web', ID: 'w', Checks: [{ CheckID: 'a', TTL: '10s' }, { CheckID: 'b', TTL: '10s' }] });
    await register({ Name: 'web', ID: 'w', Checks: [{ CheckID: 'a', TTL: '10s' }] }, '?replace-existing-checks=true');
    expect(Object.keys((await call('GET', '/v1/agent/checks')).json() as object)).toEqual(['a']);
  });
});

describe('Consul contract fake: TTL checks', () => {
  it('pass sets passing and the note as output; warn and fail set warning and critical', async () => {
    await register(web('web-1'));
    const status = async () =>
      ((await call('GET', '/v1/agent/checks')).json() as Record<string, { Status: string; Output: string }>)['service:web-1'];
    expect((await call('PUT', '/v1/agent/check/pass/service:web-1?note=alive')).status).toBe(200);
    expect(await status()).toMatchObject({ Status: 'passing', Output: 'alive' });
    await call('PUT', '/v1/agent/check/warn/service:web-1');
    expect((await status())?.Status).toBe('warning');
    await call('PUT', '/v1/agent/check/fail/service:web-1?note=down');
    expect(await status()).toMatchObject({ Status: 'critical', Output: 'down' });
  });

  it('turns critical with "TTL expired" when not updated within the TTL', async () => {
    await register(web('web-1', { Check: { CheckID: 'service:web-1', TTL: '300ms', Status: 'passing' } }));
    expect(await healthIds()).toEqual(['web-1']);
    await sleep(150);
    await call('PUT', '/v1/agent/check/pass/service:web-1?note=ok'); // restarts the TTL clock
    await sleep(200);
    expect(await healthIds()).toEqual(['web-1']);
    await sleep(250);
    const checks = (await call('GET', '/v1/agent/checks')).json() as Record<string, { Status: string; Output: string }>;
    expect(checks['service:web-1']).toMatchObject({
      Status: 'critical',
      Output: 'TTL expired (last output before timeout follows): ok',
    });
    expect(await healthIds()).toEqual([]);
  });

  it('answers 404 "Unknown check ID" to an update of a check it does not have', async () => {
    const answer = await call('PUT', '/v1/agent/check/pass/service:nope');
    expect(answer.status).toBe(404);
    expect(answer.text).toBe('Unknown check ID "service:nope". Ensure that the check ID is passed, not the check name.');
  });
});

describe('Consul contract fake: /v1/health/service', () => {
  it('lists instances with Node, Service and Checks (serfHealth included); passing keeps only all-passing ones', async () => {
    await register(web('web-1', { Check: { CheckID: 'service:web-1', TTL: '30s', Status: 'passing' } }));
    await register(web('web-2', { Address: '' }));
    await register({ Name: 'other', Port: 1 });
    const all = await call('GET', '/v1/health/service/web');
    expect(all.status).toBe(200);
    expect(all.index).toBeGreaterThan(0);
    const entries = all.json() as Array<Record<string, Record<string, unknown> & { Checks?: unknown }>>;
    expect(entries.map((e) => e.Service?.ID)).toEqual(['web-1', 'web-2']);
    expect(entries[0]?.Node).toMatchObject({ Node: 'consul-contract-fake', Address: '127.0.0.1', Datacenter: 'dc1' });
    expect(entries[0]?.Service).toMatchObject({ ID: 'web-1', Service: 'web', Address: '10.0.0.1', Port: 8080 });
    expect(entries[1]?.Service).toMatchObject({ Address: '' }); // clients fall back to Node.Address
    expect((entries[0] as unknown as { Checks: Array<{ CheckID: string }> }).Checks.map((c) => c.CheckID)).toEqual([
      'service:web-1',
      'serfHealth',
    ]);
    expect(await healthIds('?passing=true')).toEqual(['web-1']);
    expect(await healthIds('?passing')).toEqual(['web-1']);
    expect(await healthIds('?passing=false')).toEqual(['web-1', 'web-2']);
  });

  it('answers an empty list with an index for a service nobody registered', async () => {
    const answer = await call('GET', '/v1/health/service/nobody');
    expect(answer.json()).toEqual([]);
    expect(answer.index).toBeGreaterThan(0);
  });
});

describe('Consul contract fake: blocking queries', () => {
  it('a query with index hangs until the service changes, then answers with a higher index', async () => {
    await register(web('web-1'));
    const first = await call('GET', '/v1/health/service/web?passing=true');
    const started = Date.now();
    const blocked = call('GET', `/v1/health/service/web?passing=true&index=${first.index}&wait=5s`);
    await sleep(200);
    await call('PUT', '/v1/agent/check/pass/service:web-1');
    const answer = await blocked;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(answer.index).toBeGreaterThan(first.index!);
    expect((answer.json() as unknown[]).length).toBe(1);
  });

  it('returns after wait with the same index when nothing changed', async () => {
    await register(web('web-1'));
    const first = await call('GET', '/v1/health/service/web');
    const started = Date.now();
    const answer = await call('GET', `/v1/health/service/web?index=${first.index}&wait=300ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(answer.index).toBe(first.index);
  });

  it('an update that changes neither status nor output does not move the index', async () => {
    await register(web('web-1'));
    await call('PUT', '/v1/agent/check/pass/service:web-1');
    const first = await call('GET', '/v1/health/service/web');
    await call('PUT', '/v1/agent/check/pass/service:web-1');
    expect((await call('GET', '/v1/health/service/web')).index).toBe(first.index);
  });

  it('answers at once when index is 0 or already behind, and 400 to a bad wait or index', async () => {
    await register(web('web-1'));
    const current = (await call('GET', '/v1/health/service/web')).index!;
    const started = Date.now();
    await call('GET', '/v1/health/service/web?index=0&wait=5s');
    await call('GET', `/v1/health/service/web?index=${current - 1}&wait=5s`);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await call('GET', '/v1/health/service/web?index=1&wait=soon')).status).toBe(400);
    expect((await call('GET', '/v1/health/service/web?index=-3')).status).toBe(400);
  });

  it('parses wait durations as Go does', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10')).toBeUndefined();
  });
});

describe('Consul contract fake: KV store', () => {
  it('stores raw bodies, answers true, and returns base64 values under a recursive prefix', async () => {
    expect((await call('PUT', '/v1/kv/config/web/tags', 'a,b')).json()).toBe(true);
    expect((await call('PUT', '/v1/kv/config/web/meta/team?flags=7', 'blue')).json()).toBe(true);
    await call('PUT', '/v1/kv/config/webber/x', 'outside');
    const answer = await call('GET', '/v1/kv/config/web/?recurse');
    const entries = answer.json() as Array<{ Key: string; Value: string; Flags: number; ModifyIndex: number }>;
    expect(entries.map((e) => [e.Key, Buffer.from(e.Value, 'base64').toString(), e.Flags])).toEqual([
      ['config/web/meta/team', 'blue', 7],
      ['config/web/tags', 'a,b', 0],
    ]);
    expect(answer.index).toBe(Math.max(...entries.map((e) => e.ModifyIndex)));
    expect((await call('GET', '/v1/kv/config/web/tags?raw')).text).toBe('a,b');
    expect((await call('GET', '/v1/kv/config/?keys&separator=/')).json()).toEqual(['config/web/', 'config/webber/']);
  });

  it('answers 404 with an index when no key matches', async () => {
    const answer = await call('GET', '/v1/kv/config/none/?recurse');
    expect(answer.status).toBe(404);
    expect(answer.index).toBeGreaterThan(0);
  });

  it('honours cas on put and delete, and deletes recursively', async () => {
    expect((await call('PUT', '/v1/kv/k?cas=0', 'one')).json()).toBe(true);
    expect((await call('PUT', '/v1/kv/k?cas=0', 'two')).json()).toBe(false);
    const [entry] = (await call('GET', '/v1/kv/k')).json() as Array<{ ModifyIndex: number }>;
    expect((await call('PUT', `/v1/kv/k?cas=${entry!.ModifyIndex}`, 'three')).json()).toBe(true);
    expect((await call('DELETE', '/v1/kv/k?cas=1')).json()).toBe(false);
    await call('PUT', '/v1/kv/k/child', 'x');
    expect((await call('DELETE', '/v1/kv/k?recurse')).json()).toBe(true);
    expect((await call('GET', '/v1/kv/k?recurse')).status).toBe(404);
  });

  it('a recursive blocking read wakes on a delete inside the prefix', async () => {
    await call('PUT', '/v1/kv/p/a', '1');
    await call('PUT', '/v1/kv/p/b', '2');
    const first = await call('GET', '/v1/kv/p/?recurse');
    const blocked = call('GET', `/v1/kv/p/?recurse&index=${first.index}&wait=5s`);
    await sleep(100);
    await call('DELETE', '/v1/kv/p/b');
    const answer = await blocked;
    expect(answer.index).toBeGreaterThan(first.index!);
    expect((answer.json() as Array<{ Key: string }>).map((e) => e.Key)).toEqual(['p/a']);
  });
});

describe('Consul contract fake: agent restart', () => {
  it('forgets services and checks, so a TTL update answers 404 until the service registers again', async () => {
    await register(web('web-1', { Check: { CheckID: 'service:web-1', TTL: '30s', Status: 'passing' } }));
    await call('PUT', '/v1/kv/config/web/tags', 'kept');
    const before = await call('GET', '/v1/health/service/web?passing=true');
    consul.restartAgent();
    await sleep(50); // a restart takes a moment; meanwhile clients see their kept-alive connections close
    expect((await call('GET', '/v1/agent/services')).json()).toEqual({});
    const pass = await call('PUT', '/v1/agent/check/pass/service:web-1');
    expect(pass.status).toBe(404);
    expect(pass.text).toMatch(/^Unknown check ID "service:web-1"/);
    const after = await call('GET', '/v1/health/service/web?passing=true');
    expect(after.json()).toEqual([]);
    expect(after.index).toBeGreaterThan(before.index!); // the index never goes backwards here
    expect((await call('GET', '/v1/kv/config/web/tags?raw')).text).toBe('kept'); // KV lives on the servers
    await register(web('web-1', { Check: { CheckID: 'service:web-1', TTL: '30s', Status: 'passing' } }));
    expect(await healthIds()).toEqual(['web-1']);
  });

  it('cuts open blocking queries, as a restart closes their connections', async () => {
    await register(web('web-1'));
    const first = await call('GET', '/v1/health/service/web');
    const blocked = call('GET', `/v1/health/service/web?index=${first.index}&wait=10s`).then(
      () => 'answered',
      () => 'cut',
    );
    await sleep(100);
    consul.restartAgent();
    expect(await blocked).toBe('cut');
  });
});

describe('Consul contract fake: ACLs and the rest', () => {
  it('with an ACL token configured, refuses requests without it (403) or with another (403 ACL not found)', async () => {
    const secured = await startConsulContractFake({ aclToken: 'secret-token' });
    try {
      const get = (headers: Record<string, string>) =>
        fetch(`${secured.address}/v1/agent/services`, { headers }).then(async (r) => [r.status, await r.text()]);
      expect(await get({})).toEqual([403, expect.stringMatching(/^Permission denied/)]);
      expect(await get({ 'X-Consul-Token': 'other' })).toEqual([403, 'ACL not found']);
      expect(await get({ 'X-Consul-Token': 'secret-token' })).toEqual([200, '{}']);
      expect(await get({ Authorization: 'Bearer secret-token' })).toEqual([200, '{}']);
    } finally {
      await secured.stop();
    }
  });

  it('answers /v1/status/leader with the leader address, and 404 naming the fake for what it does not model', async () => {
    expect((await call('GET', '/v1/status/leader')).json()).toBe('127.0.0.1:8300');
    const catalog = await call('GET', '/v1/catalog/services');
    expect(catalog.status).toBe(404);
    expect(catalog.text).toContain('Consul contract fake');
  });

  it('stop() is idempotent and closes the port', async () => {
    const address = consul.address;
    await consul.stop();
    await consul.stop();
    await expect(fetch(`${address}/v1/status/leader`)).rejects.toThrow();
  });
});
