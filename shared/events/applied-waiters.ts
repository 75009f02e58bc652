/**
 * Reads waiting for events to be applied, woken by the consumer right after the commit of each
 * event's transaction (no polling). Bounded: at most `maxWaiting` reads wait at once, and each is
 * removed when its events are in or its time is up.
 *
 * @example
 *   const waiters = createAppliedWaiters(1000);
 *   const applied = await waiters.wait(["catalog-stock\u0000<event id>"], 2000); // false: time ran out
 *   waiters.applied("catalog-stock\u0000<event id>"); // from the consumer, after commit
 */

export interface AppliedWaiters {
  /** Resolves true once every key is applied, false after `timeoutMs`; undefined at once when `maxWaiting` reads already wait. */
  wait(keys: readonly string[], timeoutMs: number): Promise<boolean> | undefined;
  applied(key: string): void;
  waiting(): number;
}

interface Waiter {
  remaining: Set<string>;
  finish(applied: boolean): void;
}

export function createAppliedWaiters(maxWaiting: number): AppliedWaiters {
  const byKey = new Map<string, Set<Waiter>>();
  let count = 0;

  const forget = (waiter: Waiter, keys: readonly string[]) => {
    for (const key of keys) {
      const set = byKey.get(key);
      set?.delete(waiter);
      if (set?.size === 0) byKey.delete(key);
    }
  };

  return {
    waiting: () => count,
    wait(keys, timeoutMs) {
      if (count >= maxWaiting) return undefined;
      count += 1;
      return new Promise<boolean>((resolve) => {
        const waiter: Waiter = {
          remaining: new Set(keys),
          finish(applied) {
            clearTimeout(timer);
            forget(waiter, keys);
            count -= 1;
            resolve(applied);
          },
        };
        const timer = setTimeout(() => waiter.finish(false), timeoutMs);
        for (const key of keys) byKey.set(key, (byKey.get(key) ?? new Set()).add(waiter));
      });
    },
    applied(key) {
      const set = byKey.get(key);
      if (!set) return;
      byKey.delete(key);
      for (const waiter of set) {
        waiter.remaining.delete(key);
        if (waiter.remaining.size === 0) waiter.finish(true);
      }
    },
  };
}
