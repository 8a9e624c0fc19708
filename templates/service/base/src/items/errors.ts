/** Transport-independent errors; the RPC layer maps them to status codes. */

/** The request is malformed (maps to INVALID_ARGUMENT). */
export class ValidationError extends Error {
  override readonly name = "ValidationError";

  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

/** The requested resource does not exist (maps to NOT_FOUND). */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}
