/**
 * Span helpers for code that is not HTTP or tRPC (saga steps, relay, consumers): run a function
 * in a span that ends when it does and carries its error with status ERROR; carry trace context
 * across a message hop. Only @opentelemetry/api: without a started SDK these cost next to nothing.
 *
 * @example
 *   await withSpan("saga.step reserve", { "order.id": id }, () => reserve());
 *   const headers = injectTraceHeaders();              // producer side
 *   context.with(continueFromHeaders(headers), handle); // consumer side
 */
import { context, metrics, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Meter, type Span } from "@opentelemetry/api";

/** The tracer of the mesh. A proxy: spans record once startTelemetry has registered a provider. */
export const tracer = trace.getTracer("bunmesh");

/** The meter of the mesh. Call at factory time, not module load: metrics have no proxy provider. */
export function meter(): Meter {
  return metrics.getMeter("bunmesh");
}

export const correlationAttribute = "correlation.id";

/** Marks a span failed: the exception recorded, status ERROR with the error's message. */
export function markSpanFailed(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error) span.recordException(error);
  else span.recordException({ name: "Error", message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

export interface WithSpanOptions {
  kind?: SpanKind;
  /** Parent context; the active one by default (e.g. `continueFromHeaders(headers)`). */
  parent?: Context;
}

/**
 * Runs `fn` in a new active span. Sync or async: the span ends when `fn` returns or settles; a
 * throw or rejection is recorded with status ERROR and passed on unchanged.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T, options: WithSpanOptions = {}): T {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, parent);
  const fail = (error: unknown) => {
    markSpanFailed(span, error);
    span.end();
    throw error;
  };
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    return fail(error);
  }
  if (result instanceof Promise) {
    return result.then((value: unknown) => {
      span.end();
      return value;
    }, fail) as T;
  }
  span.end();
  return result;
}

/** W3C trace headers (`traceparent`, `tracestate`) of `ctx` (the active context by default). */
export function injectTraceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context a message's trace headers describe, to continue the producer's trace from. */
export function continueFromHeaders(headers: Record<string, string | undefined> | { get(key: string): string | null | undefined }): Context {
  const carrier: Record<string, string> = {};
  for (const key of ["traceparent", "tracestate"]) {
    const value = typeof headers.get === "function" ? (headers as { get(k: string): unknown }).get(key) : (headers as Record<string, unknown>)[key];
    if (typeof value === "string" && value.length > 0) carrier[key] = value;
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}
