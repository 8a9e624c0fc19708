import { ValidationError } from "./errors.js";

export { ValidationError };

export const NAME_MAX_LENGTH = 200;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// A lone surrogate or U+FFFD is what decoders make of bytes that are not UTF-8: refused, not stored.
const NOT_UTF8 = /[\p{Cs}\uFFFD]/u;

/** Refuses text that arrived as invalid UTF-8, before anything else looks at it. */
function requireUtf8(value: string, field: string): string {
  if (NOT_UTF8.test(value)) {
    throw new ValidationError(field, "must be valid UTF-8");
  }
  return value;
}

/** Returns the trimmed name; 1 to NAME_MAX_LENGTH characters (code points). */
export function validateName(value: string): string {
  const name = requireUtf8(value, "name").trim();
  if (name === "") {
    throw new ValidationError("name", "must not be empty");
  }
  if ([...name].length > NAME_MAX_LENGTH) {
    throw new ValidationError("name", `must be at most ${String(NAME_MAX_LENGTH)} characters`);
  }
  return name;
}

/** Returns the id in lowercase; it must be a UUID in canonical form. */
export function validateId(value: string, field = "id"): string {
  const id = requireUtf8(value, field).toLowerCase();
  if (!ID_PATTERN.test(id)) {
    throw new ValidationError(field, "must be a UUID");
  }
  return id;
}

/** Returns the effective page size; 0 selects DEFAULT_PAGE_SIZE. */
export function validatePageSize(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw new ValidationError(
      "page_size",
      `must be between 1 and ${String(MAX_PAGE_SIZE)} (0 for the default of ${String(DEFAULT_PAGE_SIZE)})`,
    );
  }
  return value === 0 ? DEFAULT_PAGE_SIZE : value;
}

/** Returns the id to continue after, or undefined for the first page. */
export function validatePageToken(value: string): string | undefined {
  if (value === "") {
    return undefined;
  }
  try {
    return validateId(value, "page_token");
  } catch {
    throw new ValidationError("page_token", "is not a token returned by ListItems");
  }
}

/** Returns the idempotency key of a create, or undefined when the caller sent none (empty). */
export function validateRequestId(value: string): string | undefined {
  return value === "" ? undefined : validateId(value, "request_id");
}
