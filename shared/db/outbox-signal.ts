/**
 * Tells a relay that its outbox has new committed rows, so events leave promptly without a tight
 * poll. One signal per worker database (openWorkerDatabase creates it and hands it to the worker's
 * deps): the database tags each transaction with it, enqueueEvent marks it, and the database wakes
 * the listeners (the relay) once the outermost transaction has committed; a rollback wakes no one.
 *
 * @example
 *   const signal = createOutboxSignal();
 *   const stop = signal.subscribe(() => relay.notify());
 *   db.transaction((tx) => { tagTransaction(tx, signal); enqueueEvent(tx, ...); }); signal.settle(true);
 */

export interface OutboxSignal {
  /** Called by enqueueEvent inside a transaction: outbox rows wait for its commit; `afterCommit` runs once it has committed (never on a rollback). */
  written(afterCommit?: () => void): void;
  /** Called by the database when its outermost transaction ends: wakes the listeners only if it committed outbox rows. */
  settle(committed: boolean): void;
  /** Calls `listener` after each commit that wrote outbox rows. Returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export function createOutboxSignal(): OutboxSignal {
  const listeners = new Set<() => void>();
  // A transaction is synchronous on the worker's one connection, so one flag per database is exact.
  let pending = false;
  let afterCommit: (() => void)[] = [];
  return {
    written(then) {
      pending = true;
      if (then) afterCommit.push(then);
    },
    settle(committed) {
      const wake = committed && pending;
      const committedCallbacks = committed ? afterCommit : [];
      pending = false;
      afterCommit = [];
      for (const then of committedCallbacks) then();
      if (wake) for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

const signalKey = Symbol("bunmesh.outboxSignal");

type Tagged = { [signalKey]?: OutboxSignal; transaction?: unknown };
type NestedTransaction = (fn: (tx: unknown) => unknown, config?: unknown) => unknown;

/** Attaches the database's signal to a transaction handle, and to the savepoint transactions it opens. */
export function tagTransaction(tx: object, signal: OutboxSignal): void {
  const tagged = tx as Tagged;
  tagged[signalKey] = signal;
  const nested = tagged.transaction as NestedTransaction | undefined;
  if (typeof nested !== "function") return;
  tagged.transaction = (fn: (tx: unknown) => unknown, config?: unknown) => nested.call(tx, (inner) => (tagTransaction(inner as object, signal), fn(inner)), config);
}

/** The signal of the database a transaction belongs to; undefined for a database the kit did not open. */
export function outboxSignalOf(tx: object): OutboxSignal | undefined {
  return (tx as Tagged)[signalKey];
}
