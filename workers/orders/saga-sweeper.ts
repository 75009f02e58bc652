/**
 * The saga sweeper, a loop of the orders worker: on start it resumes every unfinished saga (a
 * crash may have left them mid-step), then every interval it runs the sagas due for another
 * attempt (reserve/authorize waiting for an unavailable peer, compensations
 * being retried, NEEDS_ATTENTION included).
 */
import { and, asc, count, eq, lte, sql } from "drizzle-orm";
import type { WorkerLoop } from "../../shared/worker/worker";
import { runInBackgroundScope } from "../../shared/core/request-scope";
import { sagas } from "./schema";
import type { OrdersDb } from "./store";

export interface SagaSweeperOptions {
  db: OrdersDb;
  now: () => Date;
  intervalMs: number;
  isRunning(orderId: string): boolean;
  runningCount(): number;
  resume(orderId: string): void;
  /** Resolves once the runs in flight have ended (on stop). */
  drain(): Promise<unknown>;
}

export function createSagaSweeper(options: SagaSweeperOptions): WorkerLoop {
  const { db } = options;
  let timer: ReturnType<typeof setInterval> | undefined;
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

  /** All unfinished sagas not already running here on start; afterwards only the due ones. */
  function sweep(all: boolean): void {
    if (stopped) return;
    // The sweep's own reads get a background correlation ID; each resumed saga runs in its order's.
    runInBackgroundScope("saga-sweeper.orders", () => sweepNow(all));
  }

  function sweepNow(all: boolean): void {
    const found = all
      ? db.select({ orderId: sagas.orderId }).from(sagas).where(unfinished).orderBy(asc(sagas.nextAttemptAt)).all()
      : (dueSagas.all({ now: options.now().getTime() }) as { orderId: string }[]);
    for (const { orderId } of found) if (!options.isRunning(orderId)) options.resume(orderId);
  }

  return {
    name: "saga-sweeper",
    start() {
      stopped = false;
      sweep(true);
      timer = setInterval(() => sweep(false), options.intervalMs);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await options.drain();
    },
    health() {
      const attention = db.select({ n: count() }).from(sagas).where(eq(sagas.state, "NEEDS_ATTENTION")).get();
      return { sagasRunning: options.runningCount(), sagasNeedingAttention: attention?.n ?? 0 };
    },
  };
}
