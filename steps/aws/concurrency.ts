import { defaultMaxListeners, getMaxListeners, setMaxListeners } from 'node:events';

/** Abort listeners one SDK request in flight may add to the step's signal. */
const LISTENERS_PER_REQUEST = 3;

/** `work` on every item, at most `limit` at a time; results in the items' order. Stops starting new work once the signal fires. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T) => Promise<R>): Promise<R[]> {
  // every request in flight listens to the step's signal; many at once is by design, not a leak
  setMaxListeners(Math.max(getMaxListeners(signal), defaultMaxListeners + limit * LISTENERS_PER_REQUEST), signal);
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      signal.throwIfAborted();
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
