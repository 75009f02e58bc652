/**
 * Telemetry of a saga: each step and each compensation as a span (`saga.step reserve`,
 * `saga.compensate release`) that ends OK or ERROR as the step did, and `saga.outcomes` counting
 * how sagas end (confirmed, or rejected by reason).
 *
 * @example
 *   const result = await traceSagaStep({ step: "reserve", orderId, compensation: false }, () => attempt());
 *   sagaOutcomes().ended("rejected", "payment_declined");
 */
import { SpanStatusCode } from "@opentelemetry/api";
import { markSpanFailed, meter, withSpan } from "./spans";

export interface StepResult {
  ok: boolean;
  error?: unknown;
}

/** Runs one saga step; a result with `ok: false` marks the span ERROR with that error. */
export function traceSagaStep<R extends StepResult>(step: { step: string; orderId: string; compensation: boolean; attempt?: number }, run: () => Promise<R>): Promise<R> {
  const name = `${step.compensation ? "saga.compensate" : "saga.step"} ${step.step}`;
  const attributes = { "saga.name": "place_order", "saga.step": step.step, "saga.compensation": step.compensation, "order.id": step.orderId };
  return withSpan(name, attributes, async (span) => {
    const result = await run();
    if (result.ok) span.setStatus({ code: SpanStatusCode.OK });
    else markSpanFailed(span, result.error);
    return result;
  });
}

export function sagaOutcomes() {
  const outcomes = meter().createCounter("saga.outcomes", { description: "Sagas ended, by outcome (confirmed/rejected) and rejection reason" });
  return {
    ended(outcome: "confirmed" | "rejected", reason?: string) {
      outcomes.add(1, { saga: "place_order", outcome, reason: reason ?? "none" });
    },
  };
}
