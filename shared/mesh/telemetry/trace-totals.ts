/**
 * What one export adds to each trace it touches, for the trace's summary row: its spans' first
 * start and last end, how many spans and errors, the root (a span without a parent) or else the
 * earliest span, the correlation and order ids its spans carry, and the services they came from.
 */
import type { ReceivedSpan } from "../../../telemetry/otlp-decode";

export interface TraceTotals {
  traceId: string;
  startUs: number;
  endUs: number;
  spanCount: number;
  errorCount: number;
  name: string;
  service: string;
  hasRoot: boolean;
  correlationId: string | null;
  orderId: string | null;
  services: Set<string>;
}

const errorStatus = 2;
const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);

function added(span: ReceivedSpan): TraceTotals {
  const startUs = Number(span.startNs / 1000n);
  return {
    traceId: span.traceId,
    startUs,
    endUs: Math.max(startUs, Number(span.endNs / 1000n)),
    spanCount: 1,
    errorCount: span.statusCode === errorStatus ? 1 : 0,
    name: span.name,
    service: span.service,
    hasRoot: span.parentSpanId === null,
    correlationId: text(span.attributes["correlation.id"]),
    orderId: text(span.attributes["order.id"]),
    services: new Set([span.service]),
  };
}

function merged(into: TraceTotals, more: TraceTotals): TraceTotals {
  const namedBy = more.hasRoot || (!into.hasRoot && more.startUs < into.startUs) ? more : into;
  return {
    traceId: into.traceId,
    startUs: Math.min(into.startUs, more.startUs),
    endUs: Math.max(into.endUs, more.endUs),
    spanCount: into.spanCount + more.spanCount,
    errorCount: into.errorCount + more.errorCount,
    name: namedBy.name,
    service: namedBy.service,
    hasRoot: into.hasRoot || more.hasRoot,
    correlationId: into.correlationId ?? more.correlationId,
    orderId: into.orderId ?? more.orderId,
    services: new Set([...into.services, ...more.services]),
  };
}

/** One summary per trace of the spans given (those the store kept: repeats left out). */
export function traceTotalsOf(spans: readonly ReceivedSpan[]): TraceTotals[] {
  const byTrace = new Map<string, TraceTotals>();
  for (const span of spans) {
    const previous = byTrace.get(span.traceId);
    byTrace.set(span.traceId, previous ? merged(previous, added(span)) : added(span));
  }
  return [...byTrace.values()];
}
