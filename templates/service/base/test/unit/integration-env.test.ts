import { describe, expect, it } from "vitest";

import { DEFAULT_TEST_DATABASE, TEST_DATABASE_USER, testDatabaseUrl } from "../integration/env.js";

const database = DEFAULT_TEST_DATABASE.replace(/_test$/, "");
const server = "mysql://user:secret@127.0.0.1:3306";

describe("the integration tests' database", () => {
  it("is the service's database name + _test, as its own user, when TEST_DATABASE_URL names only the server (as in CI)", () => {
    expect(DEFAULT_TEST_DATABASE).toBe("<%= service.snakeName %>_test");
    expect(TEST_DATABASE_USER).toBe("<%= service.snakeName %>_t");
    expect(TEST_DATABASE_USER.length).toBeLessThanOrEqual(32);
    const servers = [
      [`${server}/`, "127.0.0.1:3306"],
      ["mysql://root@tidb:4000", "tidb:4000"],
    ] as const;
    for (const [admin, host] of servers) {
      const url = new URL(testDatabaseUrl(admin));
      expect(url.host).toBe(host);
      expect(url.pathname).toBe(`/${DEFAULT_TEST_DATABASE}`);
      expect(url.username).toBe(TEST_DATABASE_USER);
      expect(url.password).toMatch(/^[0-9a-f]{36}$/);
    }
  });

  it("is the one TEST_DATABASE_URL names, beside the service's own", () => {
    const test = `${server}/${DEFAULT_TEST_DATABASE}`;
    expect(testDatabaseUrl(test, `${server}/${database}`)).toBe(test);
  });

  it("is never the service's own database (DATABASE_URL), whose tables the tests drop", () => {
    for (const test of [`${server}/${database}`, `mysql://root:root@127.0.0.1/${database}`]) {
      expect(() => testDatabaseUrl(test, `${server}/${database}`)).toThrow(
        `TEST_DATABASE_URL names the service's own database (DATABASE_URL), whose tables the tests drop: use ${DEFAULT_TEST_DATABASE}`,
      );
    }
  });
});
