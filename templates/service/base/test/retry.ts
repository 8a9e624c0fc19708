/** Polls until check() returns true. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await retry(timeoutMs, async () => {
    if (!(await check())) {
      throw new Error(`condition not met within ${String(timeoutMs)} ms`);
    }
  });
}

export async function retry(timeoutMs: number, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
