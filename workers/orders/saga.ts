/**
 * The order saga, with orders as its orchestrator, as a table of steps:
 *   reserve stock → authorize payment → commit stock → capture payment → order CONFIRMED.
 *
 * Each step is a function of (context, saga, order) → next; `advance` looks the step up by the
 * saga's persisted state. The runner around it (saga-runner.ts) loops while a step says
 * "continue". The saga row is written BEFORE each step, so after a crash it says which step may
 * have happened; every peer command is idempotent by the order id, so re-issuing it is safe.
 * - OUT_OF_STOCK on reserve → REJECTED insufficient_stock (nothing is held).
 * - PAYMENT_DECLINED on authorize → release stock → REJECTED payment_declined.
 * - reserve/authorize whose peer is unavailable after the client's own retries (down, past the
 *   client's deadline, breaker open) is tried again by the sweeper, with the same key and the
 *   retried steps' backoff, until the saga's deadline (SAGA_DEADLINE_MS since the order was
 *   placed): a peer restarting for a moment delays the order, it does not refuse it. The order
 *   stays PENDING meanwhile, and the saga is not flagged (NEEDS_ATTENTION is for steps that must
 *   finish). Only past the deadline is what may have happened compensated, in reverse order
 *   (void, then release) → REJECTED peer_unavailable. Any other failure of the call (not a
 *   business refusal, not an unavailable peer) compensates at once, as before.
 * - Once commit starts the saga only goes forward: committed stock cannot be released and the
 *   authorization is good, so commit and capture are retried until they succeed (there is no
 *   un-commit or refund step to compensate with, and undoing a sale the customer was charged for
 *   is worse than finishing it late).
 * Compensations and commit/capture that keep failing are retried by the sweeper with backoff;
 * after `attentionAfter` failed attempts the saga is NEEDS_ATTENTION (listed, still retried,
 * never dropped). On start the sweeper resumes every unfinished saga: one still before payment
 * re-issues its step if within its deadline, or is compensated if past it (the same rule ends a
 * reserve/authorize that kept finding its peer unavailable: its last retry is due at the deadline).
 */
import type { DomainError } from "../../shared/errors";
import type { Logger } from "../../shared/logger";
import { peerErrorOf } from "../../shared/peer-client";
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
}

export type Next = "continue" | "stop";
export type SagaStepRun = (ctx: SagaContext, saga: SagaRow, order: Order) => Promise<Next> | Next;
type Attempt<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** Only commit/capture (forward) and void/release (compensations) may be flagged NEEDS_ATTENTION. */
const retriedSteps: ReadonlySet<SagaStep> = new Set(["commit", "capture", "void", "release"]);
/** Steps before payment: retried only until the saga's deadline, then compensated. */
const beforePayment: ReadonlySet<SagaStep> = new Set(["reserve", "authorize"]);

// Every command carries the order id as its key, so the client may retry it and the peer
// answers a repeat with the first result.
const byOrder = (orderId: string) => ({ context: { idempotencyKey: orderId } });

function record(ctx: SagaContext, orderId: string, changes: Partial<SagaRow>, log: SagaLogEntry): void {
  recordSaga(ctx.store, orderId, changes, log, ctx.now());
}

/**
 * Writes "step started" (and the in-flight state) before calling the peer. Each step (and
 * compensation) is a span that ends OK or ERROR as the step did.
 */
function attempt<T>(ctx: SagaContext, saga: SagaRow, step: SagaStep, state: SagaState, peer: string, call: () => Promise<T>): Promise<Attempt<T>> {
  const compensation = step === "void" || step === "release";
  return traceSagaStep({ step, orderId: saga.orderId, compensation }, async (): Promise<Attempt<T>> => {
    // A saga needing attention keeps that state while retried, so it stays listed until fixed.
    record(ctx, saga.orderId, { state: saga.state === "NEEDS_ATTENTION" ? "NEEDS_ATTENTION" : state, step }, { step, outcome: "started" });
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      return { ok: false, error: peerErrorOf(error, peer) };
    }
  });
}

/** A failed retried step: count it, schedule the next try, flag the saga after too many. */
export function scheduleRetry(ctx: SagaContext, saga: SagaRow, step: SagaStep, state: SagaState, error: { message: string }): Next {
  const { settings } = ctx;
  const attempts = saga.attempts + 1;
  const flagged = retriedSteps.has(step) && attempts >= settings.attentionAfter;
  const delay = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempts - 1));
  // A step before payment is not retried past the deadline: its last try is due at it (failing
  // again there, or found by the sweeper after it, the saga is compensated).
  const due = ctx.now().getTime() + delay;
  const nextAttemptAt = beforePayment.has(step) ? Math.min(due, saga.deadlineAt) : due;
  record(ctx, saga.orderId, { state: flagged ? "NEEDS_ATTENTION" : state, step, attempts, lastError: error.message, nextAttemptAt }, { step, outcome: "failed", detail: error.message });
  if (flagged) ctx.logger.warn({ orderId: saga.orderId, step, attempts, error: error.message }, "saga needs attention");
  return "stop";
}

function finishRejected(ctx: SagaContext, order: Order, reason: RejectionReason, log: SagaLogEntry): Next {
  recordRejected(ctx.store, order, reason, log, ctx.now());
  ctx.ended(order.id, "rejected", reason);
  return "stop";
}

/** Starts undoing what may have happened (in reverse order); the order is rejected after. */
function compensate(ctx: SagaContext, saga: SagaRow, steps: SagaStep[], reason: RejectionReason, log: SagaLogEntry): Next {
  const changes = { state: "COMPENSATING", step: steps[0] ?? null, compensations: steps, rejectionReason: reason } as const;
  record(ctx, saga.orderId, { ...changes, attempts: 0, lastError: log.detail ?? null, nextAttemptAt: ctx.now().getTime() }, log);
  return "continue";
}

/**
 * A reserve/authorize that failed otherwise than by a business refusal: its peer unavailable
 * within the deadline → tried again later with the same key; past the deadline, or any other
 * failure → `undo` what may have happened and reject peer_unavailable.
 */
function retryOrCompensate(ctx: SagaContext, saga: SagaRow, step: "reserve" | "authorize", error: DomainError, undo: SagaStep[]): Next {
  const state = step === "reserve" ? "RESERVING" : "AUTHORIZING";
  if (error.code === "PEER_UNAVAILABLE" && ctx.now().getTime() < saga.deadlineAt) return scheduleRetry(ctx, saga, step, state, error);
  return compensate(ctx, saga, undo, "peer_unavailable", { step, outcome: "failed", detail: error.message });
}

export async function reserve(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> {
  const lines = order.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
  const call = () => ctx.peers.inventory.reserve.mutate({ orderId: order.id, lines }, byOrder(order.id));
  const result = await attempt(ctx, saga, "reserve", "RESERVING", "inventory", call);
  if (result.ok) {
    record(ctx, order.id, { state: "RESERVED", step: "authorize", attempts: 0, lastError: null }, { step: "reserve", outcome: "ok" });
    return "continue";
  }
  const detail = result.error.message;
  if (result.error.code === "OUT_OF_STOCK") return finishRejected(ctx, order, "insufficient_stock", { step: "reserve", outcome: "out_of_stock", detail });
  return retryOrCompensate(ctx, saga, "reserve", result.error, ["release"]);
}

export async function authorize(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> {
  const authorized = (outcome: "ok" | "skipped"): Next => {
    record(ctx, order.id, { state: "AUTHORIZED", step: "commit", attempts: 0, lastError: null }, { step: "authorize", outcome });
    return "continue";
  };
  // A free order (every price 0) has nothing to authorize or capture.
  if (order.totalCents === 0) return authorized("skipped");
  const payment = { orderId: order.id, customerId: order.customerId, amountCents: order.totalCents };
  const result = await attempt(ctx, saga, "authorize", "AUTHORIZING", "payments", () => ctx.peers.payments.authorize.mutate(payment, byOrder(order.id)));
  if (result.ok) return authorized("ok");
  const detail = result.error.message;
  if (result.error.code === "PAYMENT_DECLINED") return compensate(ctx, saga, ["release"], "payment_declined", { step: "authorize", outcome: "declined", detail });
  return retryOrCompensate(ctx, saga, "authorize", result.error, ["void", "release"]);
}

export async function commit(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> {
  const result = await attempt(ctx, saga, "commit", "COMMITTING", "inventory", () => ctx.peers.inventory.commit.mutate({ orderId: order.id }, byOrder(order.id)));
  if (!result.ok) return scheduleRetry(ctx, saga, "commit", "COMMITTING", result.error);
  record(ctx, order.id, { state: "CAPTURING", step: "capture", attempts: 0, lastError: null }, { step: "commit", outcome: "ok" });
  return "continue";
}

/** Captures the payment (none for a free order) and confirms the order with its event. */
export async function capture(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> {
  if (order.totalCents > 0) {
    const result = await attempt(ctx, saga, "capture", "CAPTURING", "payments", () => ctx.peers.payments.capture.mutate({ orderId: order.id }, byOrder(order.id)));
    if (!result.ok) return scheduleRetry(ctx, saga, "capture", "CAPTURING", result.error);
  }
  recordConfirmed(ctx.store, order, order.totalCents > 0 ? "ok" : "skipped", ctx.now());
  ctx.ended(order.id, "confirmed");
  return "stop";
}

/** Runs the first compensation still due; the peer's answer goes in the log. */
async function compensation(ctx: SagaContext, saga: SagaRow, step: "void" | "release", peer: string, call: () => Promise<{ status: string }>): Promise<Next> {
  const result = await attempt(ctx, saga, step, "COMPENSATING", peer, call);
  if (!result.ok) return scheduleRetry(ctx, saga, step, "COMPENSATING", result.error);
  // VOIDED/RELEASED, or NONE when the step had never happened.
  const rest = (saga.compensations ?? []).slice(1);
  record(ctx, saga.orderId, { state: "COMPENSATING", step: rest[0] ?? null, compensations: rest, attempts: 0, lastError: null }, { step, outcome: "ok", detail: result.value.status });
  return "continue";
}

/** Compensation: voids the payment's authorization (if there is one). */
export function voidPayment(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> {
  return compensation(ctx, saga, "void", "payments", () => ctx.peers.payments.void.mutate({ orderId: order.id }, byOrder(order.id)));
}

/** Compensation: releases the order's reservation (if there is one). */
export function release(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> {
  return compensation(ctx, saga, "release", "inventory", () => ctx.peers.inventory.release.mutate({ orderId: order.id }, byOrder(order.id)));
}

/** The compensation driver: the next compensation due, or the order REJECTED once none is left. */
export function compensateNext(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> | Next {
  const step = saga.compensations?.[0];
  if (!step) return finishRejected(ctx, order, saga.rejectionReason ?? "peer_unavailable", { step: "compensate", outcome: "ok" });
  return step === "void" ? voidPayment(ctx, saga, order) : release(ctx, saga, order);
}

/** A saga needing attention retries the step it is stuck on (commit, capture or a compensation). */
export function retryStuck(ctx: SagaContext, saga: SagaRow, order: Order): Promise<Next> | Next {
  if (saga.step === "commit") return commit(ctx, saga, order);
  if (saga.step === "capture") return capture(ctx, saga, order);
  return compensateNext(ctx, saga, order);
}

/** The step each persisted state runs next. */
export const stepOfState: Readonly<Record<SagaState, SagaStepRun>> = {
  STARTED: reserve,
  RESERVING: reserve,
  RESERVED: authorize,
  AUTHORIZING: authorize,
  AUTHORIZED: commit,
  COMMITTING: commit,
  CAPTURING: capture,
  COMPENSATING: compensateNext,
  NEEDS_ATTENTION: retryStuck,
  DONE: () => "stop",
};

/** What a saga found unfinished past its deadline does instead, while still before payment. */
const pastDeadline: Readonly<Partial<Record<SagaState, SagaStepRun>>> = {
  STARTED: (ctx, saga, order) => finishRejected(ctx, order, "peer_unavailable", lateLog(saga)),
  RESERVING: (ctx, saga) => compensate(ctx, saga, ["release"], "peer_unavailable", lateLog(saga)),
  RESERVED: (ctx, saga) => compensate(ctx, saga, ["release"], "peer_unavailable", lateLog(saga)),
  AUTHORIZING: (ctx, saga) => compensate(ctx, saga, ["void", "release"], "peer_unavailable", lateLog(saga)),
};

function lateLog(saga: SagaRow): SagaLogEntry {
  return { step: "deadline", outcome: "passed", detail: `saga resumed after its deadline in state ${saga.state}` };
}

/** One step of the saga from its persisted state. `resumed`: found unfinished, not run live. */
export function advance(ctx: SagaContext, saga: SagaRow, order: Order, resumed: boolean): Promise<Next> | Next {
  const late = resumed && ctx.now().getTime() > saga.deadlineAt ? pastDeadline[saga.state] : undefined;
  return (late ?? stepOfState[saga.state])(ctx, saga, order);
}
