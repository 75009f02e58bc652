/**
 * A trace as its readers lay it out: the gateway's /mesh/traces waterfall and `mesh trace` in a
 * terminal draw the same rows (the JSON they read is trace-query.ts). A trace's
 * spans come from every worker; each row is a span in tree order (a parent, then its children by
 * start), with its depth, its offset from the trace's start on one time axis and the kind of hop
 * it is (HTTP, tRPC, SQLite, publish, consume, saga step).
 *
 * @example
 *   const rows = waterfallRows(trace.spans); // [{ span, depth: 0, offsetMs: 0, hop: "http" }, …]
 */
import type { TraceSpan } from "./trace-query";

export type Hop = "http" | "trpc" | "db" | "publish" | "consume" | "saga" | "other";

/** The kind of hop a span is, from the attributes the mesh's instrumentation puts on it. */
export function hopOf(span: Pick<TraceSpan, "attributes" | "kind">): Hop {
  const a = span.attributes;
  if (a["db.system"] !== undefined) return "db";
  if (a["saga.name"] !== undefined) return "saga";
  if (a["messaging.operation.type"] === "send") return "publish";
  if (a["messaging.operation.type"] === "process") return "consume";
  if (a["rpc.system"] !== undefined) return "trpc";
  if (a["http.request.method"] !== undefined) return "http";
  return "other";
}

export interface WaterfallRow {
  span: TraceSpan;
  depth: number;
  /** From the trace's first start. */
  offsetMs: number;
  hop: Hop;
}

/** The spans in tree order with depth and offset; a span whose parent was not received starts a tree of its own. */
export function waterfallRows(spans: readonly TraceSpan[]): WaterfallRow[] {
  if (spans.length === 0) return [];
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs);
  const origin = byStart[0]!.startMs;
  const ids = new Set(byStart.map((span) => span.spanId));
  const children = new Map<string, TraceSpan[]>();
  const roots: TraceSpan[] = [];
  for (const span of byStart) {
    if (span.parentSpanId && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId) {
      children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
    } else roots.push(span);
  }
  const rows: WaterfallRow[] = [];
  const visit = (span: TraceSpan, depth: number) => {
    rows.push({ span, depth, offsetMs: span.startMs - origin, hop: hopOf(span) });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return rows;
}

/** The whole trace's length on its time axis: first start to last end. */
export function traceExtentMs(spans: readonly TraceSpan[]): number {
  if (spans.length === 0) return 0;
  const start = Math.min(...spans.map((span) => span.startMs));
  return Math.max(...spans.map((span) => span.startMs + span.durationMs)) - start;
}

/** Ten colours far enough apart to tell services apart (Tableau 10). */
const palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/** A colour per service, by its place in the sorted list of the mesh's services, so every page colours a service alike. */
export function serviceColours(services: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(services)].sort();
  return new Map(sorted.map((service, index) => [service, palette[index % palette.length]!]));
}

/** "12.3 ms", "1.24 s", "850 µs": a duration as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
