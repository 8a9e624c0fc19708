/** The registry's variables as the config tests (test/unit/config.test.ts) exercise them. */
export const validRegistryEnv = { ETCD_ENDPOINTS: "http://etcd-0:2379, http://etcd-1:2379" };

export const expectedRegistryConnection = {
  endpoints: ["http://etcd-0:2379", "http://etcd-1:2379"],
  keyPrefix: "/services/",
};

export const requiredRegistryVariables = ["ETCD_ENDPOINTS"];

export const invalidRegistryEnv = { ETCD_ENDPOINTS: "etcd:2379", ETCD_KEY_PREFIX: "services" };

export const invalidRegistryMessages = [
  "ETCD_ENDPOINTS.0 must contain only http(s) URLs",
  "ETCD_KEY_PREFIX must start and end with / (e.g. /services/)",
];
