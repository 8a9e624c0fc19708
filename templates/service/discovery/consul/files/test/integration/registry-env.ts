import { randomBytes } from "node:crypto";

import { ConsulHttp } from "../../src/registry/consul-http.js";
import { retry } from "../retry.js";

/**
 * The integration tests reach Consul through TEST_CONSUL_HTTP_ADDR (the agent's HTTP address) and,
 * when ACLs are on, TEST_CONSUL_HTTP_TOKEN (optional).
 */
export const REGISTRY_TEST_VARIABLES = ["TEST_CONSUL_HTTP_ADDR"];

/**
 * What this test run puts before the service's name in the catalog and in KV: its own, so that it never
 * sees nor touches the instances and settings of a development stack sharing the agent, nor another run's.
 */
export const TEST_SERVICE_PREFIX = `test-${randomBytes(4).toString("hex")}-`;

/** The registry variables the service reads, taken from the test variables. */
export function registryAppEnv(): Record<string, string> {
  const token = process.env.TEST_CONSUL_HTTP_TOKEN ?? "";
  return {
    CONSUL_HTTP_ADDR: process.env.TEST_CONSUL_HTTP_ADDR ?? "",
    CONSUL_SERVICE_PREFIX: TEST_SERVICE_PREFIX,
    ...(token === "" ? {} : { CONSUL_HTTP_TOKEN: token }),
  };
}

/** A client of the agent for assertions, with the same address and token as the service. */
export function consulClient(registryEnv: Readonly<Record<string, string>>): ConsulHttp {
  const address = registryEnv.CONSUL_HTTP_ADDR ?? "";
  return new ConsulHttp({
    address: address.includes("://") ? address : `http://${address}`,
    token: registryEnv.CONSUL_HTTP_TOKEN,
  });
}

/** Waits until the agent answers and knows a leader (a CI service container may still be starting). */
export async function waitForRegistry(registryEnv: Readonly<Record<string, string>>, timeoutMs: number): Promise<void> {
  const consul = consulClient(registryEnv);
  await retry(timeoutMs, async () => {
    const leader = JSON.parse((await consul.get("/v1/status/leader")).text) as unknown;
    if (typeof leader !== "string" || leader === "") {
      throw new Error("consul has no leader yet");
    }
  });
}
