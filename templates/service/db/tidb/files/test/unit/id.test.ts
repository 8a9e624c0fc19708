import { describe, expect, it } from "vitest";

import { newItemId } from "../../src/items/id.js";
import { validateId } from "../../src/items/validation.js";

describe("newItemId", () => {
  it("returns a valid random UUID (version 4)", () => {
    const id = newItemId();
    expect(validateId(id)).toBe(id);
    expect(id[14]).toBe("4");
    expect(["8", "9", "a", "b"]).toContain(id[19]);
  });

  it("does not repeat and is not time-ordered (no write hotspot on TiDB)", () => {
    const ids = Array.from({ length: 200 }, () => newItemId());
    expect(new Set(ids).size).toBe(ids.length);
    const sorted = [...ids].sort();
    expect(sorted).not.toEqual(ids);
  });
});
