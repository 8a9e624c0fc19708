import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  ConsulRegistry,
  decodeHealth,
  isRegistrationLost,
  nextIndex,
  registrationOverrides,
  serviceDefinition,
} from "../../src/registry/consul.js";
import { ConsulApiError } from "../../src/registry/consul-http.js";
import { silentLogger } from "../helpers.js";
import { eventually } from "../retry.js";

/** One request as the stub agent saw it. */
interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly token: string | undefined;
  readonly body: string;
}

interface Reply {
  readonly status?: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly index?: number;
}

/**
 * A scripted stand-in for the agent's HTTP API: records requests, answers with `reply`. Health
 * queries that `reply` leaves without a body list what was registered (and not deregistered).
 */
class StubAgent {
  readonly seen: Seen[] = [];
  private readonly catalog = new Map<string, unknown>();
  reply: (request: Seen) => Reply | Promise<Reply> = () => ({});
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${String((this.server.address() as AddressInfo).port)}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  calls(method: string, pathPrefix: string): Seen[] {
    return this.seen.filter((request) => request.method === method && request.path.startsWith(pathPrefix));
  }

  private withCatalog(request: Seen, reply: Reply): Reply {
    const ok = (reply.status ?? 200) < 300;
    if (ok && request.path === "/v1/agent/service/register") {
      const service = JSON.parse(request.body) as { ID: string; Name: string; Address: string; Port: number };
      this.catalog.set(service.ID, healthEntry(service.ID, service.Address, service.Port));
    } else if (request.path.startsWith("/v1/agent/service/deregister/")) {
      this.catalog.delete(request.path.slice("/v1/agent/service/deregister/".length));
    } else if (request.path.startsWith("/v1/health/service/") && reply.json === undefined) {
      return { json: [...this.catalog.values()], index: this.seen.length };
    }
    return reply;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? "/", "http://stub");
    const token = req.headers["x-consul-token"];
    const request: Seen = {
      method: req.method ?? "",
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      token: typeof token === "string" ? token : undefined,
      body: Buffer.concat(chunks).toString("utf8"),
    };
    this.seen.push(request);
    const reply = this.withCatalog(request, await this.reply(request));
    const headers: Record<string, string> = reply.index === undefined ? {} : { "X-Consul-Index": String(reply.index) };
    res.writeHead(reply.status ?? 200, headers);
    res.end(reply.json === undefined ? (reply.text ?? "") : JSON.stringify(reply.json));
  }
}

const instance = { id: "instance-1", host: "10.0.0.7", port: 7000 };
const healthEntry = (id: string, address: string, port: number) => ({
  Node: { Node: "node-1", Address: "10.0.0.99" },
  Service: { ID: id, Service: "svc", Address: address, Port: port },
  Checks: [],
});

describe("ConsulRegistry against a stub agent", () => {
  let agent: StubAgent;
  let address: string;
  const registries: ConsulRegistry[] = [];
  const registry = (options: { ttlSeconds?: number; token?: string } = {}) => {
    const created = new ConsulRegistry({
      address,
      token: options.token,
      ttlSeconds: options.ttlSeconds ?? 3,
      logger: silentLogger,
      watchWaitSeconds: 1,
      watchMinIntervalMs: 10,
    });
    registries.push(created);
    return created;
  };

  beforeEach(async () => {
    agent = new StubAgent();
    address = await agent.start();
  });

  afterEach(async () => {
    await Promise.all(registries.splice(0).map((created) => created.close()));
    await agent.stop();
  });

  it("reads KV, then registers with a passing TTL check, sending the ACL token", async () => {
    agent.reply = (request) =>
      request.path.startsWith("/v1/kv/")
        ? { json: [{ Key: "config/svc/tags", Value: Buffer.from("blue").toString("base64") }], index: 3 }
        : {};
    const consul = registry({ token: "acl-token" });
    await consul.register("svc", instance);
    const [kv, register, catalog] = agent.seen;
    expect(kv).toMatchObject({ method: "GET", path: "/v1/kv/config/svc/", token: "acl-token" });
    expect(kv?.query.get("recurse")).toBe("true");
    expect(register).toMatchObject({ method: "PUT", path: "/v1/agent/service/register", token: "acl-token" });
    expect(register?.query.get("replace-existing-checks")).toBe("true");
    // register() returns once the catalog lists the instance.
    expect(catalog).toMatchObject({ method: "GET", path: "/v1/health/service/svc" });
    expect(JSON.parse(register?.body ?? "")).toEqual({
      ID: "instance-1",
      Name: "svc",
      Address: "10.0.0.7",
      Port: 7000,
      Tags: ["blue"],
      Meta: {},
      Check: {
        CheckID: "service:instance-1",
        Name: "TTL heartbeat",
        TTL: "3s",
        Status: "passing",
        DeregisterCriticalServiceAfter: "1m",
      },
    });
    expect(consul.isRegistered()).toBe(true);
    await expect(consul.register("svc", instance)).rejects.toThrow("once");
  });

  it("keeps the TTL check passing (every third of the TTL)", async () => {
    agent.reply = (request) => (request.path.startsWith("/v1/kv/") ? { status: 404, index: 1 } : {});
    await registry({ ttlSeconds: 2 }).register("svc", instance);
    await eventually(() => Promise.resolve(agent.calls("PUT", "/v1/agent/check/pass/").length >= 2), 3_000);
    expect(agent.calls("PUT", "/v1/agent/check/pass/")[0]?.path).toBe("/v1/agent/check/pass/service:instance-1");
    expect(agent.calls("PUT", "/v1/agent/service/register")).toHaveLength(1);
  });

  for (const [what, lost] of [
    ["404 Unknown check ID", { status: 404, text: 'Unknown check ID "service:instance-1".' }],
    [
      "500 does not have associated TTL",
      { status: 500, text: 'CheckID "service:instance-1" does not have associated TTL' },
    ],
  ] as const) {
    it(`registers again when a TTL update answers ${what}`, async () => {
      let forgotten = true;
      agent.reply = (request) => {
        if (request.path.startsWith("/v1/kv/")) {
          return { status: 404, index: 1 };
        }
        if (request.path.startsWith("/v1/agent/check/pass/") && forgotten) {
          forgotten = false;
          return lost;
        }
        return {};
      };
      const consul = registry({ ttlSeconds: 2 });
      await consul.register("svc", instance);
      // The stub records a request before it answers: wait for the registry to have read the answer too.
      const registeredAgain = () =>
        agent.calls("PUT", "/v1/agent/service/register").length === 2 && consul.isRegistered();
      await eventually(() => Promise.resolve(registeredAgain()), 3_000);
      const [first, second] = agent.calls("PUT", "/v1/agent/service/register");
      expect(second?.body).toBe(first?.body);
    });
  }

  it("does not register again while the agent fails otherwise, and stops being registered after the TTL", async () => {
    agent.reply = (request) => {
      if (request.path.startsWith("/v1/kv/")) {
        return { status: 404, index: 1 };
      }
      return request.path.startsWith("/v1/agent/check/pass/") ? { status: 500, text: "No cluster leader" } : {};
    };
    const consul = registry({ ttlSeconds: 2 });
    await consul.register("svc", instance);
    await eventually(() => Promise.resolve(!consul.isRegistered()), 4_000);
    expect(agent.calls("PUT", "/v1/agent/check/pass/").length).toBeGreaterThanOrEqual(2);
    expect(agent.calls("PUT", "/v1/agent/service/register")).toHaveLength(1);
  });

  it("registers without overrides when KV cannot be read (e.g. 403)", async () => {
    agent.reply = (request) => (request.path.startsWith("/v1/kv/") ? { status: 403, text: "Permission denied" } : {});
    await registry().register("svc", instance);
    const register = agent.calls("PUT", "/v1/agent/service/register")[0];
    expect(JSON.parse(register?.body ?? "")).toMatchObject({ Tags: [], Meta: {} });
  });

  it("fails to register when the agent refuses the registration", async () => {
    agent.reply = (request) =>
      request.path.startsWith("/v1/kv/") ? { status: 404, index: 1 } : { status: 403, text: "Permission denied" };
    const consul = registry();
    await expect(consul.register("svc", instance)).rejects.toThrow(ConsulApiError);
    expect(consul.isRegistered()).toBe(false);
  });

  it("deregisters once, and takes a 404 as already gone", async () => {
    agent.reply = (request) =>
      request.path.startsWith("/v1/kv/") || request.path.startsWith("/v1/agent/service/deregister/")
        ? { status: 404, index: 1 }
        : {};
    const consul = registry();
    await consul.register("svc", instance);
    await consul.deregister();
    await consul.close();
    expect(agent.calls("PUT", "/v1/agent/service/deregister/").map((request) => request.path)).toEqual([
      "/v1/agent/service/deregister/instance-1",
    ]);
    expect(agent.seen.at(-1)).toMatchObject({ method: "GET", path: "/v1/health/service/svc" });
    expect(consul.isRegistered()).toBe(false);
  });

  it("resolves passing instances only (asks with passing=true)", async () => {
    agent.reply = () => ({ json: [healthEntry("b", "10.0.0.2", 2), healthEntry("a", "", 1)], index: 9 });
    expect(await registry().resolve("svc")).toEqual([
      { id: "a", host: "10.0.0.99", port: 1 },
      { id: "b", host: "10.0.0.2", port: 2 },
    ]);
    expect(agent.seen[0]).toMatchObject({ method: "GET", path: "/v1/health/service/svc" });
    expect(agent.seen[0]?.query.get("passing")).toBe("true");
    expect(agent.seen[0]?.query.has("index")).toBe(false);
  });

  it("watches with blocking queries and resets the index when it goes backwards", async () => {
    const answers: Reply[] = [
      { json: [healthEntry("a", "10.0.0.1", 1)], index: 10 },
      { json: [healthEntry("a", "10.0.0.1", 1), healthEntry("b", "10.0.0.2", 2)], index: 12 },
      { json: [healthEntry("b", "10.0.0.2", 2)], index: 4 }, // e.g. a restored snapshot
      { json: [healthEntry("b", "10.0.0.2", 2)], index: 4 },
    ];
    agent.reply = async () => {
      const next = answers.shift();
      if (next !== undefined) {
        return next;
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // a blocking query that times out
      return { json: [healthEntry("b", "10.0.0.2", 2)], index: 4 };
    };
    const watch = await registry().watch("svc");
    expect(watch.instances().map((i) => i.id)).toEqual(["a"]);
    await eventually(() => Promise.resolve(agent.seen.length >= 5));
    expect(watch.instances()).toEqual([{ id: "b", host: "10.0.0.2", port: 2 }]);
    const sent = agent.seen.map((request) => [request.query.get("index"), request.query.get("wait")]);
    expect(sent.slice(0, 5)).toEqual([
      [null, null],
      ["10", "1s"],
      ["12", "1s"],
      [null, null], // reset: a plain read
      ["4", "1s"],
    ]);
    await watch.close();
  });

  it("keeps watching after the agent fails, starting again with a plain read", async () => {
    let calls = 0;
    agent.reply = () => {
      calls += 1;
      if (calls === 2) {
        return { status: 500, text: "agent restarting" };
      }
      return { json: [healthEntry(calls >= 3 ? "b" : "a", "10.0.0.1", 1)], index: calls >= 3 ? 2 : 10 };
    };
    const watch = await registry().watch("svc");
    await eventually(() => Promise.resolve(watch.instances()[0]?.id === "b"));
    expect(agent.seen[2]?.query.has("index")).toBe(false);
    await watch.close();
  });
});

describe("Consul registry helpers", () => {
  it("reads tags and valid meta from KV values, skipping the rest", () => {
    expect(
      registrationOverrides(
        {
          tags: " v2, canary ,,v2",
          "meta/team": "blue",
          "meta/consul-reserved": "x",
          "meta/bad key": "x",
          "meta/long": "x".repeat(513),
          other: "ignored",
        },
        silentLogger,
      ),
    ).toEqual({ tags: ["v2", "canary"], meta: { team: "blue" } });
    expect(registrationOverrides({}, silentLogger)).toEqual({ tags: [], meta: {} });
  });

  it("builds the registration with the TTL in seconds", () => {
    expect(serviceDefinition("svc", instance, 30, { tags: [], meta: {} })).toMatchObject({
      Check: { TTL: "30s", CheckID: "service:instance-1" },
    });
  });

  it("follows the blocking-query index rules", () => {
    expect(nextIndex(0, 15)).toBe(15);
    expect(nextIndex(15, 15)).toBe(15);
    expect(nextIndex(15, 9)).toBe(0); // went backwards: reset
    expect(nextIndex(0, 0)).toBe(1); // never block on 0
    expect(nextIndex(15, undefined)).toBe(0);
  });

  it("registers the protocol in Meta and reads it back, over the operators' meta of the same name", () => {
    const definition = serviceDefinition("svc", { ...instance, protocol: "grpc" }, 30, {
      tags: [],
      meta: { team: "blue", protocol: "thrift" },
    });
    expect(definition).toMatchObject({ Meta: { team: "blue", protocol: "grpc" } });
    const entry = healthEntry("p", "10.0.0.1", 80);
    const text = JSON.stringify([{ ...entry, Service: { ...entry.Service, Meta: { protocol: "grpc" } } }]);
    expect(decodeHealth(text)).toEqual([{ id: "p", host: "10.0.0.1", port: 80, protocol: "grpc" }]);
  });

  it("decodes health entries, skipping invalid ones", () => {
    const text = JSON.stringify([
      healthEntry("ok", "10.0.0.1", 80),
      healthEntry("bad-port", "10.0.0.1", 0),
      { Service: { ID: "no-address", Address: "", Port: 80 } },
      "junk",
    ]);
    expect(decodeHealth(text)).toEqual([{ id: "ok", host: "10.0.0.1", port: 80 }]);
  });

  it("recognises a lost registration", () => {
    expect(isRegistrationLost(new ConsulApiError(404, 'Unknown check ID "service:a"', "PUT"))).toBe(true);
    expect(isRegistrationLost(new ConsulApiError(500, 'CheckID "service:a" does not have associated TTL', "PUT"))).toBe(
      true,
    );
    expect(isRegistrationLost(new ConsulApiError(500, "No cluster leader", "PUT"))).toBe(false);
    expect(isRegistrationLost(new Error("fetch failed"))).toBe(false);
  });
});
