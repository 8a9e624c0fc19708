import { randomBytes } from "node:crypto";

import { Etcd3 } from "etcd3";

import { retry } from "../retry.js";

/** The integration tests reach etcd through this variable (comma-separated URLs). */
export const REGISTRY_TEST_VARIABLES = ["TEST_ETCD_ENDPOINTS"];

/**
 * Where this test run registers: a prefix of its own, so that it never sees nor touches the instances
 * of a development stack sharing the etcd (registered under /services/), nor those of another run.
 */
export const TEST_KEY_PREFIX = `/test-${randomBytes(4).toString("hex")}/services/`;

/** The registry variables the service reads, taken from the test variables. */
export function registryAppEnv(): Record<string, string> {
  return { ETCD_ENDPOINTS: process.env.TEST_ETCD_ENDPOINTS ?? "", ETCD_KEY_PREFIX: TEST_KEY_PREFIX };
}

export function etcdClient(registryEnv: Readonly<Record<string, string>>): Etcd3 {
  const endpoints = (registryEnv.ETCD_ENDPOINTS ?? "").split(",").map((host) => host.trim());
  return new Etcd3({ hosts: endpoints });
}

/** Waits until etcd answers (a CI service container may still be starting). */
export async function waitForRegistry(registryEnv: Readonly<Record<string, string>>, timeoutMs: number): Promise<void> {
  const etcd = etcdClient(registryEnv);
  try {
    await retry(timeoutMs, async () => {
      await etcd.get("/health-probe").string();
    });
  } finally {
    etcd.close();
  }
}
