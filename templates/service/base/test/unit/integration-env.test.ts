import { describe, expect, it } from "vitest";

import { DEFAULT_TEST_DATABASE, testDatabaseUrl } from "../integration/env.js";

const database = DEFAULT_TEST_DATABASE.replace(/_test$/, "");
const server = "mysql://user:secret@127.0.0.1:3306";

describe("the integration tests' database", () => {
  it("is the service's database name + _test when TEST_DATABASE_URL names only the server (as in CI)", () => {
    expect(DEFAULT_TEST_DATABASE).toBe("<%= service.snakeName %>_test");
    expect(testDatabaseUrl(`${server}/`)).toBe(`${server}/${DEFAULT_TEST_DATABASE}`);
    expect(testDatabaseUrl("mysql://root@tidb:4000")).toBe(`mysql://root@tidb:4000/${DEFAULT_TEST_DATABASE}`);
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
