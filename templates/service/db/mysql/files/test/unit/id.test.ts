import { describe, expect, it } from "vitest";

import { newItemId } from "../../src/items/id.js";
import { validateId } from "../../src/items/validation.js";

describe("newItemId", () => {
  it("returns a valid UUID version 7", () => {
    const id = newItemId();
    expect(validateId(id)).toBe(id);
    expect(id[14]).toBe("7");
    expect(["8", "9", "a", "b"]).toContain(id[19]);
  });

  it("starts with the creation time, so ids sort by time", () => {
    expect(newItemId(0x0189_0a5d_ac96).startsWith("01890a5d-ac96-7")).toBe(true);
    expect(newItemId(1_000) < newItemId(2_000)).toBe(true);
  });
});
