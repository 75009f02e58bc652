/**
 * The order saga, with orders as its orchestrator:
 *   reserve stock → authorize payment → commit stock → capture payment → order CONFIRMED.
 *
 * The saga row is written BEFORE each step, so after a crash it says which step may have
 * happened; every peer command is idempotent by the order id, so re-issuing it is safe.
 * - OUT_OF_STOCK on reserve → REJECTED insufficient_stock (nothing is held).
 * - PAYMENT_DECLINED on authorize → release stock → REJECTED payment_declined.
 * - reserve/authorize still failing after the client's retries (peer down, timeout) →
 *   compensate what may have happened, in reverse order (void, then release) → REJECTED
 *   peer_unavailable.
 * - Once commit starts the saga only goes forward: committed stock cannot be released and the
 *   authorization is good, so commit and capture are retried until they succeed (there is no
 *   un-commit or refund step to compensate with, and undoing a sale the customer was charged for
 *   is worse than finishing it late).
 * Compensations and commit/capture that keep failing are retried by the sweeper with backoff;
 * after `attentionAfter` failed attempts the saga is NEEDS_ATTENTION (listed, still retried,
 * never dropped). On start the sweeper resumes every unfinished saga: one still before payment
 * re-issues its step if within its deadline, or is compensated if past it.
 */
import { eq } from "drizzle-orm";
import type { DomainError } from "../../shared/errors";
import { peerErrorOf } from "../../shared/peer-client";
import { runInRequestScope } from "../../shared/request-scope";
import { sagaOutcomes, traceSagaStep } from "../../telemetry/saga";
import { orders, type RejectionReason, type SagaRow, type SagaState, type SagaStep } from "./schema";
import { loadSaga, recordConfirmed, recordRejected, recordSaga, type SagaLogEntry } from "./saga-store";
import { createSagaSweeper } from "./saga-sweeper";
import { getOrder, type Order } from "./service";
import type { OrdersDeps, SagaEngine } from "./deps";

type Next = "continue" | "stop";
type Attempt<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** Only commit/capture (forward) and void/release (compensations) are retried in place. */
const retriedSteps: ReadonlySet<SagaStep> = new Set(["commit", "capture", "void", "release"]);

export function createSagaEngine(deps: Pick<OrdersDeps, "db" | "logger" | "now" | "peers" | "saga" | "afterStep">): SagaEngine {
  const { db, logger, peers, saga: settings } = deps;
  const running = new Map<string, Promise<void>>();
  const waiters = new Map<string, Set<() => void>>();
  const nowMs = () => deps.now().getTime();
  // Every command carries the order id as its key, so the client may retry it and the peer
  // answers a repeat with the first result.
  const byOrder = (orderId: string) => ({ context: { idempotencyKey: orderId } });
  const record = (orderId: string, changes: Partial<SagaRow>, log: SagaLogEntry) => recordSaga(db, orderId, changes, log, deps.now());
  const outcomes = sagaOutcomes();

  /** Writes "step started" (and the in-flight state) before calling the peer. */
  /** Each step (and compensation) is a span that ends OK or ERROR as the step did. */
  function attempt<T>(saga: SagaRow, step: SagaStep, state: SagaState, peer: string, call: () => Promise<T>): Promise<Attempt<T>> {
    const compensation = step === "void" || step === "release";
    return traceSagaStep({ step, orderId: saga.orderId, compensation }, async (): Promise<Attempt<T>> => {
      // A saga needing attention keeps that state while retried, so it stays listed until fixed.
      record(saga.orderId, { state: saga.state === "NEEDS_ATTENTION" ? "NEEDS_ATTENTION" : state, step }, { step, outcome: "started" });
      try {
        return { ok: true, value: await call() };
      } catch (error) {
        return { ok: false, error: peerErrorOf(error, peer) };
      }
    });
  }

  /** A failed retried step: count it, schedule the next try, flag the saga after too many. */
  function scheduleRetry(saga: SagaRow, step: SagaStep, state: SagaState, error: { message: string }): Next {
    const attempts = saga.attempts + 1;
    const flagged = retriedSteps.has(step) && attempts >= settings.attentionAfter;
    const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempts - 1));
    record(
      saga.orderId,
      { state: flagged ? "NEEDS_ATTENTION" : state, step, attempts, lastError: error.message, nextAttemptAt: nowMs() + delay },
      { step, outcome: "failed", detail: error.message },
    );
    if (flagged) logger.warn({ orderId: saga.orderId, step, attempts, error: error.message }, "saga needs attention");
    return "stop";
  }

  function settle(orderId: string): void {
    for (const wake of waiters.get(orderId) ?? []) wake();
    waiters.delete(orderId);
  }

  function finishRejected(order: Order, reason: RejectionReason, log: SagaLogEntry): Next {
    recordRejected(db, order, reason, log, deps.now());
    outcomes.ended("rejected", reason);
    settle(order.id);
    return "stop";
  }

  function finishConfirmed(order: Order, captureOutcome: "ok" | "skipped"): Next {
    recordConfirmed(db, order, captureOutcome, deps.now());
    outcomes.ended("confirmed");
    settle(order.id);
    return "stop";
  }

  /** Starts undoing what may have happened (in reverse order); the order is rejected after. */
  function compensate(saga: SagaRow, steps: SagaStep[], reason: RejectionReason, log: SagaLogEntry): Next {
    const changes = { state: "COMPENSATING", step: steps[0] ?? null, compensations: steps, rejectionReason: reason } as const;
    record(saga.orderId, { ...changes, attempts: 0, lastError: log.detail ?? null, nextAttemptAt: nowMs() }, log);
    return "continue";
  }

  async function reserve(saga: SagaRow, order: Order): Promise<Next> {
    const lines = order.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
    const result = await attempt(saga, "reserve", "RESERVING", "inventory", () =>
      peers.inventory.reserve.mutate({ orderId: order.id, lines }, byOrder(order.id)),
    );
    if (result.ok) {
      record(order.id, { state: "RESERVED", step: "authorize", attempts: 0, lastError: null }, { step: "reserve", outcome: "ok" });
      deps.afterStep?.("reserve");
      return "continue";
    }
    const detail = result.error.message;
    if (result.error.code === "OUT_OF_STOCK") return finishRejected(order, "insufficient_stock", { step: "reserve", outcome: "out_of_stock", detail });
    return compensate(saga, ["release"], "peer_unavailable", { step: "reserve", outcome: "failed", detail });
  }

  async function authorize(saga: SagaRow, order: Order): Promise<Next> {
    // A free order (every price 0) has nothing to authorize or capture.
    const result =
      order.totalCents === 0
        ? ({ ok: true, value: null } as const)
        : await attempt(saga, "authorize", "AUTHORIZING", "payments", () =>
            peers.payments.authorize.mutate({ orderId: order.id, customerId: order.customerId, amountCents: order.totalCents }, byOrder(order.id)),
          );
    if (result.ok) {
      const outcome = order.totalCents === 0 ? "skipped" : "ok";
      record(order.id, { state: "AUTHORIZED", step: "commit", attempts: 0, lastError: null }, { step: "authorize", outcome });
      deps.afterStep?.("authorize");
      return "continue";
    }
    const detail = result.error.message;
    if (result.error.code === "PAYMENT_DECLINED") {
      return compensate(saga, ["release"], "payment_declined", { step: "authorize", outcome: "declined", detail });
    }
    return compensate(saga, ["void", "release"], "peer_unavailable", { step: "authorize", outcome: "failed", detail });
  }

  async function commit(saga: SagaRow, order: Order): Promise<Next> {
    const result = await attempt(saga, "commit", "COMMITTING", "inventory", () =>
      peers.inventory.commit.mutate({ orderId: order.id }, byOrder(order.id)),
    );
    if (!result.ok) return scheduleRetry(saga, "commit", "COMMITTING", result.error);
    record(order.id, { state: "CAPTURING", step: "capture", attempts: 0, lastError: null }, { step: "commit", outcome: "ok" });
    deps.afterStep?.("commit");
    return "continue";
  }

  async function capture(saga: SagaRow, order: Order): Promise<Next> {
    if (order.totalCents > 0) {
      const result = await attempt(saga, "capture", "CAPTURING", "payments", () =>
        peers.payments.capture.mutate({ orderId: order.id }, byOrder(order.id)),
      );
      if (!result.ok) return scheduleRetry(saga, "capture", "CAPTURING", result.error);
    }
    const next = finishConfirmed(order, order.totalCents > 0 ? "ok" : "skipped");
    deps.afterStep?.("capture");
    return next;
  }

  async function compensateNext(saga: SagaRow, order: Order): Promise<Next> {
    const [step, ...rest] = saga.compensations ?? [];
    const reason = saga.rejectionReason ?? "peer_unavailable";
    if (!step) return finishRejected(order, reason, { step: "compensate", outcome: "ok" });
    const input = { orderId: order.id };
    const result =
      step === "void"
        ? await attempt(saga, "void", "COMPENSATING", "payments", () => peers.payments.void.mutate(input, byOrder(order.id)))
        : await attempt(saga, "release", "COMPENSATING", "inventory", () => peers.inventory.release.mutate(input, byOrder(order.id)));
    if (!result.ok) return scheduleRetry(saga, step, "COMPENSATING", result.error);
    // The peer's answer (VOIDED/RELEASED, or NONE when the step had never happened) goes in the log.
    const changes = { state: "COMPENSATING", step: rest[0] ?? null, compensations: rest, attempts: 0, lastError: null } as const;
    record(order.id, changes, { step, outcome: "ok", detail: result.value.status });
    return "continue";
  }

  /** One step of the saga from its persisted state. `resumed`: found unfinished, not run live. */
  function advance(saga: SagaRow, order: Order, resumed: boolean): Promise<Next> | Next {
    const expired = resumed && nowMs() > saga.deadlineAt;
    const late = { step: "deadline", outcome: "passed", detail: `saga resumed after its deadline in state ${saga.state}` };
    switch (saga.state) {
      case "STARTED":
        return expired ? finishRejected(order, "peer_unavailable", late) : reserve(saga, order);
      case "RESERVING":
      case "RESERVED":
        if (expired) return compensate(saga, ["release"], "peer_unavailable", late);
        return saga.state === "RESERVING" ? reserve(saga, order) : authorize(saga, order);
      case "AUTHORIZING":
        return expired ? compensate(saga, ["void", "release"], "peer_unavailable", late) : authorize(saga, order);
      case "AUTHORIZED":
      case "COMMITTING":
        return commit(saga, order);
      case "CAPTURING":
        return capture(saga, order);
      case "COMPENSATING":
        return compensateNext(saga, order);
      case "NEEDS_ATTENTION":
        if (saga.step === "commit") return commit(saga, order);
        if (saga.step === "capture") return capture(saga, order);
        return compensateNext(saga, order);
      case "DONE":
        return "stop";
    }
  }

  async function drive(orderId: string, resumed: boolean): Promise<void> {
    const order = getOrder(db, orderId);
    await runInRequestScope({ correlationId: order.correlationId }, async () => {
      let resuming = resumed;
      for (;;) {
        const saga = loadSaga(db, orderId);
        if (!saga || saga.state === "DONE") return;
        try {
          if ((await advance(saga, order, resuming)) === "stop") return;
        } catch (error) {
          // Not a peer's answer (a bug, a DB error): keep the saga in the state it reached (which
          // says what may have happened) and let the sweeper try again later.
          logger.error({ err: error, orderId, state: saga.state }, "saga step failed unexpectedly");
          const reached = loadSaga(db, orderId) ?? saga;
          scheduleRetry(reached, reached.step ?? "reserve", reached.state, { message: String(error) });
          return;
        }
        resuming = false;
      }
    });
  }

  function run(orderId: string, options: { resumed?: boolean } = {}): Promise<void> {
    const current = running.get(orderId);
    if (current) return current;
    const promise = drive(orderId, options.resumed ?? false)
      .catch((error: unknown) => logger.error({ err: error, orderId }, "saga run failed"))
      .finally(() => running.delete(orderId));
    running.set(orderId, promise);
    return promise;
  }

  function waitForEnd(orderId: string, timeoutMs: number): Promise<boolean> {
    const row = db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get();
    if (!row || row.status !== "PENDING") return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.get(orderId)?.delete(wake);
        resolve(false);
      }, timeoutMs);
      const set = waiters.get(orderId) ?? new Set();
      set.add(wake);
      waiters.set(orderId, set);
    });
  }

  const sweeper = createSagaSweeper({
    db,
    now: deps.now,
    intervalMs: settings.sweepIntervalMs,
    isRunning: (orderId) => running.has(orderId),
    runningCount: () => running.size,
    resume: (orderId) => void run(orderId, { resumed: true }),
    drain: () => Promise.allSettled([...running.values()]),
  });

  return { run, waitForEnd, sweeper };
}
