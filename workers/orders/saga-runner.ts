/**
 * Runs order sagas (the steps are in saga.ts): one run per order at a time, in the order's
 * correlation scope; wakes whoever waits for an order's end; and owns the sweeper that resumes
 * unfinished sagas and retries the due ones.
 */
import { runInRequestScope } from "../../shared/core/request-scope";
import { consistencyOf } from "../../shared/core/consistency-scope";
import { sagaOutcomes } from "../../telemetry/saga";
import { advance, scheduleRetry, type SagaContext } from "./saga";
import { createSagaSweeper } from "./saga-sweeper";
import { getOrder, loadSaga, orderStatus, type Order } from "./store";
import type { OrdersContext, SagaEngine } from "./deps";

/** Whoever waits for an order's end, woken once its saga has ended. */
export function createEndWaiters() {
  const waiters = new Map<string, Set<() => void>>();
  return {
    /** How many orders are waited for now: the map holds one entry per such order and nothing else. */
    size: () => waiters.size,
    wake(orderId: string): void {
      for (const wake of waiters.get(orderId) ?? []) wake();
      waiters.delete(orderId);
    },
    /** Resolves true when woken, false after `timeoutMs`. */
    wait(orderId: string, timeoutMs: number): Promise<boolean> {
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          // The last waiter of an order gone, its set goes too: an order whose saga never ends leaves nothing behind.
          const set = waiters.get(orderId);
          set?.delete(wake);
          if (set?.size === 0) waiters.delete(orderId);
          resolve(false);
        }, timeoutMs);
        const set = waiters.get(orderId) ?? new Set();
        set.add(wake);
        waiters.set(orderId, set);
      });
    },
  };
}

/** Advances the order's saga until a step says stop. `resumed`: found unfinished, not run live. */
async function drive(ctx: SagaContext, orderId: string, resumed: boolean, placed: Order | undefined): Promise<void> {
  const { store, logger } = ctx;
  const order = placed ?? getOrder(store, orderId);
  // The consistency part is the placing request's (when one runs it live): the events of the
  // saga's steps and its peers' tokens go into the token `place` answers with.
  await runInRequestScope({ correlationId: order.correlationId, consistency: consistencyOf() }, async () => {
    let resuming = resumed;
    for (;;) {
      const saga = loadSaga(store, orderId);
      if (!saga || saga.state === "DONE") return;
      try {
        if ((await advance(ctx, saga, order, resuming)) === "stop") return;
      } catch (error) {
        // Not a peer's answer (a bug, a DB error): keep the saga in the state it reached (which
        // says what may have happened) and let the sweeper try again later.
        logger.error({ err: error, orderId, state: saga.state }, "saga step failed unexpectedly");
        const reached = loadSaga(store, orderId) ?? saga;
        scheduleRetry(ctx, reached, reached.step ?? "reserve", reached.state, { message: String(error) });
        return;
      }
      resuming = false;
    }
  });
}

export function createSagaEngine(deps: Pick<OrdersContext, "store" | "logger" | "now" | "peers" | "saga">): SagaEngine {
  const { store, logger } = deps;
  const running = new Map<string, Promise<void>>();
  const waiters = createEndWaiters();
  const outcomes = sagaOutcomes();
  const ctx: SagaContext = {
    store,
    peers: deps.peers,
    logger,
    now: deps.now,
    settings: deps.saga,
    ended(orderId, outcome, reason) {
      outcomes.ended(outcome, reason);
      waiters.wake(orderId);
    },
    due: (at) => sweeper.due(at),
  };

  function run(orderId: string, options: { resumed?: boolean; order?: Order } = {}): Promise<void> {
    const current = running.get(orderId);
    if (current) return current;
    const promise = drive(ctx, orderId, options.resumed ?? false, options.order)
      .catch((error: unknown) => logger.error({ err: error, orderId }, "saga run failed"))
      .finally(() => running.delete(orderId));
    running.set(orderId, promise);
    return promise;
  }

  function waitForEnd(orderId: string, timeoutMs: number): Promise<boolean> {
    const status = orderStatus(store, orderId);
    return status === undefined || status !== "PENDING" ? Promise.resolve(true) : waiters.wait(orderId, timeoutMs);
  }

  const sweeper = createSagaSweeper({
    db: store.db,
    now: deps.now,
    intervalMs: deps.saga.sweepIntervalMs,
    idleMs: deps.saga.sweepIdleMs,
    isRunning: (orderId) => running.has(orderId),
    runningCount: () => running.size,
    resume: (orderId) => void run(orderId, { resumed: true }),
    drain: () => Promise.allSettled([...running.values()]),
  });

  return { run, waitForEnd, sweeper };
}
