import { Counter, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type OpsServer, type Readiness, startOpsServer } from "../../src/http/ops-server.js";
import { silentLogger } from "../helpers.js";

describe("ops HTTP server", () => {
  let server: OpsServer;
  let readiness: Readiness = { ready: false, checks: { database: false } };
  const url = (path: string) => `http://127.0.0.1:${String(server.port)}${path}`;

  beforeAll(async () => {
    const metrics = new Registry();
    new Counter({ name: "test_total", help: "test", registers: [metrics] });
    server = await startOpsServer({
      port: 0,
      host: "127.0.0.1",
      metrics,
      readiness: () => Promise.resolve(readiness),
      logger: silentLogger,
    });
  });

  afterAll(async () => {
    await server.stop();
  });

  it("answers /healthz while the process runs", async () => {
    const response = await fetch(url("/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz with 503 until ready, then 200", async () => {
    const notReady = await fetch(url("/readyz"));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "not ready", checks: { database: false } });

    readiness = { ready: true, checks: { database: true } };
    const ready = await fetch(url("/readyz?verbose=1"));
    expect(ready.status).toBe(200);
  });

  it("serves Prometheus metrics", async () => {
    const response = await fetch(url("/metrics"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toContain("test_total 0");
  });

  it("answers unknown paths with 404 and other methods with 405", async () => {
    expect((await fetch(url("/nope"))).status).toBe(404);
    expect((await fetch(url("/healthz"), { method: "POST" })).status).toBe(405);
  });
});
