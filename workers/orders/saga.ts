/**
 * The order saga, with orders as its orchestrator, in one parallel phase, the hold:
 *   reserve stock ∥ authorize payment   (both compensatable: release, void)
 * whose success is the pivot: the order is CONFIRMED, the saga DONE and `orders.order.confirmed`
 * enqueued, in the one transaction that records the hold. What is left (commit the stock, capture
 * the payment) is forward-only, so it needs no orchestrator: inventory and payments do it when
 * they consume `orders.order.confirmed`, once each through their inbox, and delivery until acked
 * is the retry such a step needs (it can fail, be late, never be undone).
 *
 * Each phase is a function of (context, saga, order) → next; `advance` looks it up by the saga's
 * persisted state. The runner around it (saga-runner.ts) loops while a phase says "continue".
 * A phase's outcome (its state and its steps' log entries) is written in ONE transaction after
 * its calls answered; nothing is written before a call. The crash guarantee holds because the
 * state already persisted says which calls may be in flight: STARTED (written with the order)
 * → reserve and authorize may have happened; COMPENSATING → its first compensation may have
 * happened. Every peer command carries the order id as its idempotency key, and the peer answers
 * a repeat with the first result, so a resumed saga re-issues the calls of a phase whose outcome
 * was not recorded: nothing happens twice. Compensating a call that never happened is harmless
 * (the peer answers NONE).
 * - OUT_OF_STOCK on reserve → void what payments may hold → REJECTED insufficient_stock.
 * - PAYMENT_DECLINED on authorize → release what inventory may hold → REJECTED payment_declined.
 * - reserve/authorize whose peer is unavailable after the client's own retries (down, past the
 *   client's deadline, breaker open) is tried again by the sweeper, with the same key and the
 *   retried steps' backoff, until the saga's deadline (SAGA_DEADLINE_MS since the order was
 *   placed): a peer restarting for a moment delays the order, it does not refuse it. A reserve
 *   that succeeded is not asked again (state AUTHORIZING: only authorize is due). The order
 *   stays PENDING meanwhile, and the saga is not flagged (NEEDS_ATTENTION is for steps that must
 *   finish). Only past the deadline is what may have happened compensated, in reverse order
 *   (void, then release) → REJECTED peer_unavailable. Any other failure of the call (not a
 *   business refusal, not an unavailable peer) compensates at once.
 * - The previous release called commit ∥ capture itself after the hold (states AUTHORIZED,
 *   COMMITTING, CAPTURING, or NEEDS_ATTENTION at commit/capture). Such a saga, found after an
 *   upgrade, is past its pivot: it is confirmed and its event published (`confirmPersisted`),
 *   and the consumers finish what it had not (a commit or capture it had made they answer as done).
 * Compensations that keep failing are retried by the sweeper with backoff; after
 * `attentionAfter` failed attempts the saga is NEEDS_ATTENTION (listed, still retried, never
 * dropped). On start the sweeper resumes every unfinished saga: one still before payment
 * re-issues its phase if within its deadline, or is compensated if past it (the same rule ends a
 * reserve/authorize that kept finding its peer unavailable: its last retry is due at the deadline).
 */
import type { DomainError } from "../../shared/core/errors";
import type { Logger } from "../../shared/core/logger";
import { peerErrorOf } from "../../shared/rpc/peer-client";
import { traceSagaStep } from "../../telemetry/saga";
import type { RejectionReason, SagaRow, SagaState, SagaStep } from "./schema";
import { recordConfirmed, recordRejected, recordSaga, type Order, type OrdersStore, type SagaLogEntry } from "./store";
import type { OrdersPeers, SagaSettings } from "./deps";

/** What every step needs; the runner builds it once per worker. */
export interface SagaContext {
  store: OrdersStore;
  peers: OrdersPeers;
  logger: Logger;
  now: () => Date;
  settings: SagaSettings;
  /** The saga has ended (its end is committed): count it and wake whoever waits for the order. */
  ended(orderId: string, outcome: "confirmed" | "rejected", reason?: RejectionReason): void;
  /** Its next attempt is recorded for `at` (the sweeper wakes for it). */
  due?(at: number): void;
}

export type Next = "continue" | "stop";
export type SagaStepRun = (ctx: SagaContext, saga: SagaRow, order: Order) => Promise<Next> | Next;
type Attempt<T> = { ok: true; value: T } | { ok: false; error: DomainError };
/** A call of a phase, or null when not made (done before, or nothing to do for a free order). */
type Called = Attempt<unknown> | null;

/** Only compensations (void/release) may be flagged NEEDS_ATTENTION. */
const retriedSteps: ReadonlySet<SagaStep> = new Set(["void", "release"]);
/** Steps before payment: retried only until the saga's deadline, then compensated. */
const beforePayment: ReadonlySet<SagaStep> = new Set(["reserve", "authorize"]);

// Every command carries the order id as its key, so the client may retry it and the peer
// answers a repeat with the first result.
const byOrder = (orderId: string) => ({ context: { idempotencyKey: orderId } });

function record(ctx: SagaContext, saga: SagaRow, changes: Partial<SagaRow>, logs: SagaLogEntry | readonly SagaLogEntry[]): void {
  recordSaga(ctx.store, saga, changes, logs, ctx.now());
  if (changes.nextAttemptAt !== undefined && changes.nextAttemptAt !== null) ctx.due?.(changes.nextAttemptAt);
}

/** Calls a peer; each step (and compensation) is a span that ends OK or ERROR as the step did. Writes nothing. */
function callPeer<T>(saga: SagaRow, step: SagaStep, peer: string, call: () => Promise<T>): Promise<Attempt<T>> {
  const compensation = step === "void" || step === "release";
  return traceSagaStep({ step, orderId: saga.orderId, compensation }, async (): Promise<Attempt<T>> => {
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      return { ok: false, error: peerErrorOf(error, peer) };
    }
  });
}

/** A call's log entry: ok, the peer's business refusal (`refusal` code → outcome), or failed. */
function logOf(step: SagaStep, result: Attempt<unknown>, refusal?: { code: string; outcome: string }): SagaLogEntry {
  if (result.ok) return { step, outcome: "ok" };
  return { step, outcome: result.error.code === refusal?.code ? refusal.outcome : "failed", detail: result.error.message };
}

const failedWith = (called: Called, code: string): boolean => called?.ok === false && called.error.code === code;

/** A failed retried step: count it, schedule the next try, flag the saga after too many. */
export function scheduleRetry(ctx: SagaContext, saga: SagaRow, step: SagaStep, state: SagaState, error: { message: string }, logs?: readonly SagaLogEntry[]): Next {
  const { settings } = ctx;
  const attempts = saga.attempts + 1;
  const flagged = retriedSteps.has(step) && attempts >= settings.attentionAfter;
  const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempts - 1));
  // A step before payment is not retried past the deadline: its last try is due at it (failing
  // again there, or found by the sweeper after it, the saga is compensated).
  const due = ctx.now().getTime() + delay;
  const nextAttemptAt = beforePayment.has(step) ? Math.min(due, saga.deadlineAt) : due;
  const changes = { state: flagged ? "NEEDS_ATTENTION" : state, step, attempts, lastError: error.message, nextAttemptAt } as const;
  record(ctx, saga, changes, logs ?? { step, outcome: "failed", detail: error.message });
  if (flagged) ctx.logger.warn({ orderId: saga.orderId, step, attempts, error: error.message }, "saga needs attention");
  return "stop";
}

function finishRejected(ctx: SagaContext, saga: SagaRow, order: Order, reason: RejectionReason, logs: readonly SagaLogEntry[]): Next {
  recordRejected(ctx.store, saga, order, reason, logs, ctx.now());
  ctx.ended(order.id, "rejected", reason);
  return "stop";
}

/** Starts undoing what may have happened (in reverse order); the order is rejected after. */
function compensate(ctx: SagaContext, saga: SagaRow, steps: SagaStep[], reason: RejectionReason, logs: readonly SagaLogEntry[]): Next {
  const changes = { state: "COMPENSATING", step: steps[0] ?? null, compensations: steps, rejectionReason: reason } as const;
  const lastError = logs.find((log) => log.detail)?.detail ?? null;
  record(ctx, saga, { ...changes, attempts: 0, lastError, nextAttemptAt: ctx.now().getTime() }, logs);
  return "continue";
}

/** What a hold may have left to undo: the authorization (none for a free order) and the reservation. */
const undoHold = (order: Order): SagaStep[] => (order.totalCents === 0 ? ["release"] : ["void", "release"]);

/** Reserve ∥ authorize; a reserve already recorded (step "authorize") is not asked again. */
export async function hold(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> {
  const { inventory, payments } = ctx.peers;
  const lines = order.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
  const payment = { orderId: order.id, customerId: order.customerId, amountCents: order.totalCents };
  const [reserved, authorized] = await Promise.all([
    saga.step === "authorize" ? null : callPeer(saga, "reserve", "inventory", () => inventory.reserve.mutate({ orderId: order.id, lines }, byOrder(order.id))),
    // A free order (every price 0) has nothing to authorize or capture.
    order.totalCents === 0 ? null : callPeer(saga, "authorize", "payments", () => payments.authorize.mutate(payment, byOrder(order.id))),
  ]);
  return settleHold(ctx, saga, order, reserved, authorized);
}

/** Both held → the pivot: the order CONFIRMED with its event; a refusal → reject, compensating the other call; otherwise retry or compensate. */
function settleHold(ctx: SagaContext, saga: SagaRow, order: Order, reserved: Called, authorized: Called): Next {
  const logs = [
    reserved && logOf("reserve", reserved, { code: "OUT_OF_STOCK", outcome: "out_of_stock" }),
    authorized && logOf("authorize", authorized, { code: "PAYMENT_DECLINED", outcome: "declined" }),
  ].filter((log): log is SagaLogEntry => log !== null);
  if (reserved?.ok !== false && authorized?.ok !== false) {
    const held = authorized === null ? [...logs, { step: "authorize", outcome: "skipped" }] : logs;
    return confirm(ctx, saga, order, held);
  }
  const declined = failedWith(authorized, "PAYMENT_DECLINED");
  // Out of stock: inventory holds nothing; void what payments may hold (nothing if it declined or was not asked).
  if (failedWith(reserved, "OUT_OF_STOCK")) {
    return authorized === null || declined ? finishRejected(ctx, saga, order, "insufficient_stock", logs) : compensate(ctx, saga, ["void"], "insufficient_stock", logs);
  }
  // Declined: payments holds nothing; release what inventory may hold.
  if (declined) return compensate(ctx, saga, ["release"], "payment_declined", logs);
  return retryOrCompensate(ctx, saga, order, reserved, authorized, logs);
}

/**
 * A hold that failed otherwise than by a business refusal: every failure an unavailable peer
 * within the deadline → tried again later with the same key (only authorize when reserve
 * succeeded); past the deadline, or any other failure → undo what may have happened and reject
 * peer_unavailable.
 */
function retryOrCompensate(ctx: SagaContext, saga: SagaRow, order: Order, reserved: Called, authorized: Called, logs: readonly SagaLogEntry[]): Next {
  const errors = [reserved, authorized].flatMap((called) => (called?.ok === false ? [called.error] : []));
  if (errors.every((e) => e.code === "PEER_UNAVAILABLE") && ctx.now().getTime() < saga.deadlineAt) {
    const [step, state] = reserved?.ok === false ? (["reserve", "RESERVING"] as const) : (["authorize", "AUTHORIZING"] as const);
    return scheduleRetry(ctx, saga, step, state, errors[0]!, logs);
  }
  return compensate(ctx, saga, undoHold(order), "peer_unavailable", logs);
}

/** The pivot: the order CONFIRMED, the saga DONE and orders.order.confirmed, in one transaction (commit and capture follow from the event). */
function confirm(ctx: SagaContext, saga: SagaRow, order: Order, logs: readonly SagaLogEntry[]): Next {
  recordConfirmed(ctx.store, saga, order, logs, ctx.now());
  ctx.ended(order.id, "confirmed");
  return "stop";
}

/** A saga the previous release left in its commit/capture phase: past its pivot, so confirmed and published. */
export function confirmPersisted(ctx: SagaContext, saga: SagaRow, order: Order): Next {
  return confirm(ctx, saga, order, [{ step: "pivot", outcome: "ok", detail: `resumed in state ${saga.state}: commit and capture carried by orders.order.confirmed` }]);
}

/**
 * Runs the first compensation still due; the peer's answer goes in the log. The last one is
 * recorded with the order's rejection, in its transaction.
 */
async function compensation(ctx: SagaContext, saga: SagaRow, order: Order, step: "void" | "release", peer: string, call: () => Promise<{ status: string }>): Promise<Next> {
  const result = await callPeer(saga, step, peer, call);
  if (!result.ok) return scheduleRetry(ctx, saga, step, "COMPENSATING", result.error);
  // VOIDED/RELEASED, or NONE when the step had never happened.
  const log = { step, outcome: "ok", detail: result.value.status };
  const rest = (saga.compensations ?? []).slice(1);
  if (rest.length === 0) return finishRejected(ctx, saga, order, saga.rejectionReason ?? "peer_unavailable", [log, { step: "compensate", outcome: "ok" }]);
  record(ctx, saga, { state: "COMPENSATING", step: rest[0] ?? null, compensations: rest, attempts: 0, lastError: null }, log);
  return "continue";
}

/** The compensation driver: the next compensation due (void: the payment's authorization; release: the reservation), or the order REJECTED once none is left. */
export function compensateNext(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> | Next {
  const step = saga.compensations?.[0];
  if (!step) return finishRejected(ctx, saga, order, saga.rejectionReason ?? "peer_unavailable", [{ step: "compensate", outcome: "ok" }]);
  const { inventory, payments } = ctx.peers;
  if (step === "void") return compensation(ctx, saga, order, "void", "payments", () => payments.void.mutate({ orderId: order.id }, byOrder(order.id)));
  return compensation(ctx, saga, order, "release", "inventory", () => inventory.release.mutate({ orderId: order.id }, byOrder(order.id)));
}

/** A saga needing attention retries the compensation it is stuck on; one the previous release left stuck at commit/capture is confirmed. */
export function retryStuck(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> | Next {
  if (saga.step === "commit" || saga.step === "capture") return confirmPersisted(ctx, saga, order);
  return compensateNext(ctx, saga, order);
}

/**
 * The phase each persisted state runs next. RESERVED (reserve recorded, authorize due) and
 * AUTHORIZED / COMMITTING / CAPTURING (the commit/capture phase) are written only by previous
 * releases, whose sagas this one resumes.
 */
export const stepOfState: Readonly<Record<SagaState, SagaStepRun>> = {
  STARTED: hold,
  RESERVING: hold,
  RESERVED: hold,
  AUTHORIZING: hold,
  AUTHORIZED: confirmPersisted,
  COMMITTING: confirmPersisted,
  CAPTURING: confirmPersisted,
  COMPENSATING: compensateNext,
  NEEDS_ATTENTION: retryStuck,
  DONE: () => "stop",
};

/** A saga found unfinished past its deadline while still before payment: undo what its hold may have done. */
function compensateLate(ctx: SagaContext, saga: SagaRow, order: Order): Next {
  const log = { step: "deadline", outcome: "passed", detail: `saga resumed after its deadline in state ${saga.state}` };
  return compensate(ctx, saga, undoHold(order), "peer_unavailable", [log]);
}
const beforePaymentStates: ReadonlySet<SagaState> = new Set(["STARTED", "RESERVING", "RESERVED", "AUTHORIZING"]);

/** One step of the saga from its persisted state. `resumed`: found unfinished, not run live. */
export function advance(ctx: SagaContext, saga: SagaRow, order: Order, resumed: boolean): Promise<Next> | Next {
  if (resumed && beforePaymentStates.has(saga.state) && ctx.now().getTime() > saga.deadlineAt) return compensateLate(ctx, saga, order);
  return stepOfState[saga.state](ctx, saga, order);
}
