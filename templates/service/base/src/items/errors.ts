/** Transport-independent errors; the RPC layer maps them to status codes. */

/** The request is malformed (maps to INVALID_ARGUMENT). */
export class ValidationError extends Error {
  override readonly name = "ValidationError";

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

/** The requested resource does not exist (maps to NOT_FOUND). */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

/**
 * A dependency (the database) could not be reached or lost the connection (maps to UNAVAILABLE):
 * nothing was committed, and the same call may succeed if retried with backoff.
 */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
}

/** The service is at capacity: the database pool's wait queue is full (maps to RESOURCE_EXHAUSTED). */
export class OverloadedError extends Error {
  override readonly name = "OverloadedError";
}

/**
 * The caller stopped waiting (its deadline passed, or it cancelled) before the work was done; the
 * database work was abandoned before it committed (maps to DEADLINE_EXCEEDED or CANCELLED).
 */
export class AbandonedError extends Error {
  override readonly name = "AbandonedError";

  constructor(readonly reason: "deadline" | "cancelled") {
    super(reason === "deadline" ? "deadline exceeded" : "cancelled by the caller");
  }
}
