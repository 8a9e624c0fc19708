/** A startup step failed; the message names the dependency and where it was looked for, `cause` is the error. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** Runs one startup step; its failure becomes a StartupError naming `what` (e.g. "database at db:3306"). */
export async function dependency<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(`${what}: ${reason}`, { cause: error });
  }
}

/** The fatal log line of a failed start: "<prefix>: <dependency>: <reason>", and the error to log with it. */
export function startupFailure(prefix: string, error: unknown): { readonly message: string; readonly cause: unknown } {
  return error instanceof StartupError
    ? { message: `${prefix}: ${error.message}`, cause: error.cause }
    : { message: prefix, cause: error };
}
