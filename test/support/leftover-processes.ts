/**
 * Programs tests started and may leave running (a run waiting for an approval, say). A file
 * that uses moto stops them before it lets the next file reset moto and record its requests:
 * a leftover would go on writing to it. (A test-level hook cannot do it: with concurrent tests
 * vitest cannot tell which test started a program.)
 */
const running = new Set<() => Promise<void>>();

/** `stop` ends the program and resolves once it is gone; `ended` resolves when it ends by itself. */
export function trackUntilEnded(stop: () => Promise<void>, ended: Promise<unknown>): void {
  running.add(stop);
  void ended.catch(() => undefined).then(() => running.delete(stop));
}

export async function stopLeftoverProcesses(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
  running.clear();
}
