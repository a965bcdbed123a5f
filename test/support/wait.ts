// Polling until something holds, for tests against real processes (control plane, sources, child processes).

/** Poll `check` until it returns a value (not undefined) or `timeoutMs` passes; the last error is reported. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Poll `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  await eventually(what, async () => ((await check()) ? true : undefined), timeoutMs, everyMs);
}
