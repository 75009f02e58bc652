/**
 * The tRPC client side of a peer call: a link that opens a CLIENT span `trpc.client <peer>.<path>`
 * for the whole call (retries included), puts its W3C trace headers in `op.context.traceHeaders`
 * (the httpLink's headers function sends them), and records the call in `trpc.client.duration`
 * and failures in `trpc.client.errors`, by peer. Also the peer's circuit-breaker state as a gauge.
 *
 * @example
 *   createTRPCClient({ links: [tracingLink("catalog"), httpLink({ headers: ({ op }) => ({ ...op.context.traceHeaders }) })] });
 */
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { TRPCLink } from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import { injectTraceHeaders, markSpanFailed, meter, tracer } from "./spans";

const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What a failed call is, for the error counter: the peer's domain code, a transport reason, or the tRPC code. */
function errorTypeOf(error: unknown): string {
  const e = error as { data?: { domainCode?: unknown; code?: unknown }; cause?: { details?: { reason?: unknown }; code?: unknown } };
  if (typeof e?.data?.domainCode === "string") return e.data.domainCode;
  if (typeof e?.cause?.details?.reason === "string") return `PEER_UNAVAILABLE:${e.cause.details.reason}`;
  if (typeof e?.data?.code === "string") return e.data.code;
  if (typeof e?.cause?.code === "string") return e.cause.code;
  return "error";
}

export function tracingLink<TRouter extends AnyRouter>(peer: string): TRPCLink<TRouter> {
  const duration = meter().createHistogram("trpc.client.duration", {
    description: "Duration of tRPC calls to peers (retries included), by peer and outcome",
    unit: "s",
    advice: { explicitBucketBoundaries: durationBuckets },
  });
  const errors = meter().createCounter("trpc.client.errors", { description: "Failed tRPC calls to peers, by peer and error type" });
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const parent = context.active();
        const span = tracer.startSpan(
          `trpc.client ${peer}.${op.path}`,
          { kind: SpanKind.CLIENT, attributes: { "rpc.system": "trpc", "rpc.service": peer, "rpc.method": op.path, "trpc.type": op.type } },
          parent,
        );
        const traceHeaders = injectTraceHeaders(trace.setSpan(parent, span));
        const started = performance.now();
        let ended = false;
        const end = (error?: unknown) => {
          if (ended) return;
          ended = true;
          const attributes = { peer, "rpc.method": op.path, outcome: error === undefined ? "ok" : "error" };
          if (error === undefined) span.setStatus({ code: SpanStatusCode.OK });
          else {
            const errorType = errorTypeOf(error);
            span.setAttribute("error.type", errorType);
            markSpanFailed(span, error);
            errors.add(1, { peer, "rpc.method": op.path, "error.type": errorType });
          }
          span.end();
          duration.record((performance.now() - started) / 1000, attributes);
        };
        const subscription = next({ ...op, context: { ...op.context, traceHeaders } }).subscribe({
          // The answer arrives as one `next`; the caller may unsubscribe right after it.
          next: (value) => {
            end();
            observer.next(value);
          },
          error: (error) => {
            end(error);
            observer.error(error);
          },
          complete: () => {
            end();
            observer.complete();
          },
        });
        return () => {
          if (!ended) end(new Error("call cancelled by the caller"));
          subscription.unsubscribe();
        };
      });
}

const breakerStateValues: Record<string, number> = { closed: 0, "half-open": 1, open: 2, isolated: 3 };

/** Reports a peer's breaker as `breaker.state` (0 closed, 1 half-open, 2 open, 3 isolated). */
export function observeBreakerState(peer: string, state: () => string): void {
  const gauge = meter().createObservableGauge("breaker.state", {
    description: "Circuit breaker state per peer: 0 closed, 1 half-open, 2 open, 3 isolated",
  });
  gauge.addCallback((result) => result.observe(breakerStateValues[state()] ?? -1, { peer }));
}
