/**
 * A signal for one job that aborts when any of the given ones does (the worker's shutdown, BullMQ's lock-lost signal),
 * with that one's reason. One per job because the SDK adds a listener to the signal of every call, and on one
 * worker-wide signal those would pile up for the life of the process; `dispose` stops following the given ones.
 */
export function jobSignal(...sources: (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const followed = sources.filter((source): source is AbortSignal => source !== undefined);
  const listeners = followed.map((source) => {
    const abort = () => controller.abort(source.reason);
    source.addEventListener('abort', abort, { once: true });
    return () => source.removeEventListener('abort', abort);
  });
  const aborted = followed.find((source) => source.aborted); // aborted before the listener was added
  if (aborted) controller.abort(aborted.reason);
  return { signal: controller.signal, dispose: () => listeners.forEach((remove) => remove()) };
}
