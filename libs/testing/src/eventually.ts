const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads until `ok` holds of what it read, and resolves with that; after `timeoutMs` it fails,
 * showing the last value read. For tests that wait on another process or a subscription.
 */
export async function eventually<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value, null, 1)?.slice(0, 2000)}`);
    await pause(everyMs);
  }
}

/** Waits until `condition` holds; fails after `timeoutMs`. */
export async function until(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
  everyMs = 25,
): Promise<void> {
  await eventually(condition, (held) => held, timeoutMs, everyMs);
}
