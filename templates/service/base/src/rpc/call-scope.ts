import { AbandonedError } from "../items/errors.js";

/** The life of one call on the server: its signal aborts when the caller stops waiting. */
export interface CallScope {
  readonly signal: AbortSignal;
  /** The call is answered: no more aborts. */
  end(): void;
  /** The caller has gone (the transport saw the call cancelled); ignored once the call has ended. */
  cancel(): void;
}

/**
 * A call's scope: it aborts with AbandonedError("deadline") at the caller's deadline (epoch ms;
 * Infinity when the transport carries none) or after `maxMs` (the server's own limit), whichever
 * comes first, or with AbandonedError("cancelled") on cancel().
 *
 * grpc-js emits "cancelled" after every call, answered or not, so cancel() after end() must cost
 * nothing: no error is built for a call that is already over.
 */
export function callScope(deadline: number, maxMs: number): CallScope {
  const controller = new AbortController();
  const remaining = Math.min(deadline - Date.now(), maxMs);
  const abort = (reason: AbandonedError): void => {
    if (!controller.signal.aborted) {
      controller.abort(reason);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  if (remaining <= 0) {
    abort(new AbandonedError("deadline"));
  } else {
    timer = setTimeout(() => {
      abort(new AbandonedError("deadline"));
    }, remaining);
  }
  return {
    signal: controller.signal,
    end: () => {
      ended = true;
      clearTimeout(timer);
    },
    cancel: () => {
      if (ended) {
        return;
      }
      clearTimeout(timer);
      abort(new AbandonedError(Date.now() >= deadline ? "deadline" : "cancelled"));
    },
  };
}
