import { describe, expect, it } from "vitest";

import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  NAME_MAX_LENGTH,
  validateId,
  validateName,
  validatePageSize,
  validatePageToken,
  ValidationError,
} from "../../src/items/validation.js";

const ID = "01890a5d-ac96-774b-bcce-b302099a8057";

describe("validateName", () => {
  it("trims and accepts names up to the limit", () => {
    expect(validateName("  apple  ")).toBe("apple");
    expect(validateName("x".repeat(NAME_MAX_LENGTH))).toHaveLength(NAME_MAX_LENGTH);
  });

  it("counts characters, not UTF-16 units", () => {
    expect(validateName("😀".repeat(NAME_MAX_LENGTH))).toHaveLength(NAME_MAX_LENGTH * 2);
  });

  it.each(["", "   ", "\n\t"])("rejects the empty name %j", (name) => {
    expect(() => validateName(name)).toThrow(ValidationError);
    expect(() => validateName(name)).toThrow("name must not be empty");
  });

  it("rejects names that are too long", () => {
    expect(() => validateName("x".repeat(NAME_MAX_LENGTH + 1))).toThrow(
      `name must be at most ${String(NAME_MAX_LENGTH)} characters`,
    );
  });
});

describe("validateId", () => {
  it("accepts UUIDs and lowercases them", () => {
    expect(validateId(ID)).toBe(ID);
    expect(validateId(ID.toUpperCase())).toBe(ID);
  });

  it.each(["", "42", "not-a-uuid", `${ID} `, `${ID}0`, "01890a5dac96774bbcceb302099a8057"])("rejects %j", (id) => {
    expect(() => validateId(id)).toThrow("id must be a UUID");
  });
});

describe("validatePageSize", () => {
  it("uses the default for 0 and accepts 1 to the maximum", () => {
    expect(validatePageSize(0)).toBe(DEFAULT_PAGE_SIZE);
    expect(validatePageSize(1)).toBe(1);
    expect(validatePageSize(MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
  });

  it.each([-1, MAX_PAGE_SIZE + 1, 1.5, Number.NaN])("rejects %d", (size) => {
    const error = (() => {
      try {
        validatePageSize(size);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toHaveProperty("field", "page_size");
  });
});

describe("validatePageToken", () => {
  it("treats the empty token as the first page", () => {
    expect(validatePageToken("")).toBeUndefined();
  });

  it("accepts an id and rejects anything else", () => {
    expect(validatePageToken(ID)).toBe(ID);
    expect(() => validatePageToken("garbage")).toThrow("page_token is not a token returned by ListItems");
  });
});
