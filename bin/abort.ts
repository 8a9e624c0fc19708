/**
 * Ctrl-C on a terminal reaches the whole process group: git or the package manager may die of
 * it and fail the step before our own SIGINT handler has run. A failure is taken for a
 * cancellation if the signal arrives within this grace.
 */
const PENDING_SIGNAL_GRACE_MS = 100;

/** After a step failed: true if it failed because the run is being cancelled. */
export async function cancelledAfterFailure(signal: AbortSignal): Promise<boolean> {
  if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, PENDING_SIGNAL_GRACE_MS));
  return signal.aborted;
}

/** How long a cancelled run waits for its child to go (execa sends SIGKILL after 5 s) before cleaning up anyway. */
export const CHILD_EXIT_TIMEOUT_MS = 10_000;
