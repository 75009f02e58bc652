/**
 * Tells a relay that its outbox has new rows, so events leave promptly without a tight poll.
 * enqueueEvent signals inside the caller's transaction; listeners run on a later tick, when the
 * synchronous transaction has committed (or rolled back: then the relay finds nothing, harmlessly).
 */
import type { OutboxTable } from "./tables";

const listeners = new WeakMap<OutboxTable, Set<() => void>>();

/** Calls `listener` (on a later tick) after rows are written to `outbox`. Returns an unsubscribe. */
export function onOutboxWrite(outbox: OutboxTable, listener: () => void): () => void {
  let set = listeners.get(outbox);
  if (!set) listeners.set(outbox, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

export function signalOutboxWrite(outbox: OutboxTable): void {
  const set = listeners.get(outbox);
  if (!set || set.size === 0) return;
  setImmediate(() => {
    for (const listener of set) listener();
  });
}
