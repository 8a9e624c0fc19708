/** The registry's variables as the config tests (test/unit/config.test.ts) exercise them. */
export const validRegistryEnv = { CONSUL_HTTP_ADDR: "consul.internal:8500", CONSUL_HTTP_TOKEN: "test-acl-token" };

export const expectedRegistryConnection = {
  address: "http://consul.internal:8500",
  token: "test-acl-token",
  servicePrefix: "",
};

export const requiredRegistryVariables = ["CONSUL_HTTP_ADDR"];

export const invalidRegistryEnv = { CONSUL_HTTP_ADDR: "ftp://consul.internal:8500", CONSUL_SERVICE_PREFIX: "Test_" };

export const invalidRegistryMessages = [
  "CONSUL_HTTP_ADDR must be an http(s) URL or host:port",
  "CONSUL_SERVICE_PREFIX must be lowercase letters, digits and dashes",
];
