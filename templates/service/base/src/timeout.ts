export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
}

/**
 * `promise`'s outcome, or a TimeoutError naming `what` once timeoutMs have passed. The work itself goes
 * on: the caller decides what to do with something that did not answer (destroy it, log and go on).
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TimeoutError(`${what}: no answer within ${String(timeoutMs)} ms`));
    }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
