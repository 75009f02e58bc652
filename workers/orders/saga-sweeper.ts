/**
 * The saga sweeper, a loop of the orders worker: on start it resumes every unfinished saga (a
 * crash may have left them mid-step), then it runs the sagas due for another attempt
 * (reserve/authorize waiting for an unavailable peer, compensations being retried,
 * NEEDS_ATTENTION included) when they fall due: it sleeps until the earliest next attempt of an
 * unfinished saga (read off the partial index sagas_unfinished_due), and each attempt scheduled in
 * this process wakes it for its time (`due`). It sweeps at most every `intervalMs`, and with
 * nothing due still looks every `idleMs` (a backstop; an idle worker wakes for nothing else).
 */
import { and, asc, count, eq, lte, sql } from "drizzle-orm";
import type { WorkerLoop } from "../../shared/worker/worker";
import { runInBackgroundScope } from "../../shared/core/request-scope";
import { sagas } from "./schema";
import type { OrdersDb } from "./store";

export interface SagaSweeperOptions {
  db: OrdersDb;
  now: () => Date;
  /** The least time between two sweeps. */
  intervalMs: number;
  /** The most time between two sweeps, with nothing due (default 10 s). */
  idleMs?: number;
  isRunning(orderId: string): boolean;
  runningCount(): number;
  resume(orderId: string): void;
  /** Resolves once the runs in flight have ended (on stop). */
  drain(): Promise<unknown>;
}

/**
 * The sweeper's reads, prepared once. `state != 'DONE'` is written out (not a bound parameter), so
 * SQLite answers from the partial index sagas_unfinished_due instead of scanning every finished
 * saga. One range of that index per sweep: the unfinished sagas whose next attempt is before
 * `until` (the next backstop), earliest first, at most a batch: those due now are resumed, and
 * the first one not yet due says when to look again.
 */
const batch = 100;

function sweeperQueries(db: OrdersDb) {
  const unfinished = sql`${sagas.state} != 'DONE'`;
  const upTo = db
    .select({ orderId: sagas.orderId, at: sagas.nextAttemptAt })
    .from(sagas)
    .where(and(unfinished, lte(sagas.nextAttemptAt, sql.placeholder("until"))))
    .orderBy(asc(sagas.nextAttemptAt))
    .limit(batch)
    .prepare();
  return {
    all: () => db.select({ orderId: sagas.orderId, at: sagas.nextAttemptAt }).from(sagas).where(unfinished).orderBy(asc(sagas.nextAttemptAt)).all(),
    upTo: (until: number) => upTo.all({ until }) as { orderId: string; at: number }[],
  };
}

export function createSagaSweeper(options: SagaSweeperOptions): WorkerLoop & { due(at: number): void } {
  const { db } = options;
  const idleMs = Math.max(options.idleMs ?? 10_000, options.intervalMs);
  const queries = sweeperQueries(db);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Infinity;
  let lastSweepAt = 0;
  let stopped = true;

  /** Sleeps until `at`, but not less than intervalMs after the last sweep; an earlier wake-up already set stands. */
  function wake(at: number): void {
    if (stopped) return;
    const time = Math.max(at, lastSweepAt + options.intervalMs);
    if (time >= wakeAt) return;
    clearTimeout(timer);
    wakeAt = time;
    timer = setTimeout(tick, Math.max(0, time - Date.now()));
  }

  function tick(): void {
    wakeAt = Infinity;
    const clock = options.now().getTime();
    const next = sweep(false, clock + idleMs);
    if (!stopped) due(Math.min(next, clock + idleMs));
  }

  /** `at` on the worker's clock (the sagas' times) as a wake-up on the timers' clock. */
  function due(at: number): void {
    wake(at - options.now().getTime() + Date.now());
  }

  /**
   * All unfinished sagas not already running here on start; afterwards the due ones. Answers when
   * the next falls due (now, when a whole batch was due; Infinity when none is before `until`).
   */
  function sweep(all: boolean, until = Infinity): number {
    if (stopped) return Infinity;
    lastSweepAt = Date.now();
    // The sweep's own reads get a background correlation ID; each resumed saga runs in its order's.
    return runInBackgroundScope("saga-sweeper.orders", () => sweepNow(all, until));
  }

  function sweepNow(all: boolean, until: number): number {
    const now = options.now().getTime();
    const found = all ? queries.all() : queries.upTo(until);
    const due = all ? found : found.filter((saga) => saga.at <= now);
    for (const { orderId } of due) if (!options.isRunning(orderId)) options.resume(orderId);
    if (!all && due.length === batch) return now;
    return found.find((saga) => saga.at > now)?.at ?? Infinity;
  }

  return {
    name: "saga-sweeper",
    due,
    start() {
      stopped = false;
      sweep(true);
      wake(Date.now() + options.intervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wakeAt = Infinity;
      await options.drain();
    },
    health() {
      const attention = db.select({ n: count() }).from(sagas).where(eq(sagas.state, "NEEDS_ATTENTION")).get();
      return { sagasRunning: options.runningCount(), sagasNeedingAttention: attention?.n ?? 0 };
    },
  };
}
