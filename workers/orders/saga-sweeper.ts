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

export function createSagaSweeper(options: SagaSweeperOptions): WorkerLoop & { due(at: number): void } {
  const { db } = options;
  const idleMs = Math.max(options.idleMs ?? 10_000, options.intervalMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Infinity;
  let lastSweepAt = 0;
  let stopped = true;

  // `state != 'DONE'` written out (not a bound parameter), so SQLite can answer from the partial
  // index sagas_unfinished_due instead of scanning every finished saga; prepared once.
  const unfinished = sql`${sagas.state} != 'DONE'`;
  const dueSagas = db
    .select({ orderId: sagas.orderId })
    .from(sagas)
    .where(and(unfinished, lte(sagas.nextAttemptAt, sql.placeholder("now"))))
    .orderBy(asc(sagas.nextAttemptAt))
    .limit(100)
    .prepare();
  const earliestDue = db
    .select({ at: sql<number | null>`min(${sagas.nextAttemptAt})` })
    .from(sagas)
    .where(unfinished)
    .prepare();

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
    const found = sweep(false);
    if (stopped) return;
    const clock = options.now().getTime();
    // A full batch: more may be due now; else the earliest next attempt, or the backstop.
    const earliest = (earliestDue.get() as { at: number | null } | undefined)?.at ?? Infinity;
    due(found >= 100 ? clock : Math.min(earliest, clock + idleMs));
  }

  /** `at` on the worker's clock (the sagas' times) as a wake-up on the timers' clock. */
  function due(at: number): void {
    wake(at - options.now().getTime() + Date.now());
  }

  /** All unfinished sagas not already running here on start; afterwards only the due ones. */
  function sweep(all: boolean): number {
    if (stopped) return 0;
    lastSweepAt = Date.now();
    // The sweep's own reads get a background correlation ID; each resumed saga runs in its order's.
    return runInBackgroundScope("saga-sweeper.orders", () => sweepNow(all));
  }

  function sweepNow(all: boolean): number {
    const found = all
      ? db.select({ orderId: sagas.orderId }).from(sagas).where(unfinished).orderBy(asc(sagas.nextAttemptAt)).all()
      : (dueSagas.all({ now: options.now().getTime() }) as { orderId: string }[]);
    for (const { orderId } of found) if (!options.isRunning(orderId)) options.resume(orderId);
    return found.length;
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
