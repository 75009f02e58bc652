/**
 * Traces as the mesh's trace store serves them (JSON): spans, per-trace summaries, a page of a
 * search, and the search's query as a URL carries it, checked by one zod schema in the gateway
 * and in the store alike.
 *
 * @example
 *   const filter = traceFilterOf(traceQuerySchema.parse({ correlationId: "my-order-1", errors: "1" }));
 *   fetch(`${storeUrl}/traces?${traceQueryOf(filter)}`); // → TracePage
 */
import { z } from "zod";
import type { AttributeValue } from "./otlp-decode";

export type { AttributeValue } from "./otlp-decode";

export type SpanKindName = "unspecified" | "internal" | "server" | "client" | "producer" | "consumer";
export type SpanStatusName = "unset" | "ok" | "error";

export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: SpanKindName;
  /** Epoch milliseconds (microsecond precision). */
  startMs: number;
  durationMs: number;
  status: SpanStatusName;
  statusMessage: string | null;
  attributes: Record<string, AttributeValue>;
  events: { name: string; atMs: number; attributes: Record<string, AttributeValue> }[];
}

export interface TraceSummary {
  traceId: string;
  /** The root span's name and service (the earliest span's when the root was not received). */
  name: string | null;
  service: string | null;
  startMs: number;
  /** First span's start to last span's end: the async hops (relay, consumers) included. */
  durationMs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
  correlationId: string | null;
  orderId: string | null;
}

/** What the store's `GET /traces` filters by; every field optional. */
export interface TraceFilter {
  traceId?: string;
  correlationId?: string;
  orderId?: string;
  service?: string;
  errorsOnly?: boolean;
  minDurationMs?: number;
  /** Paging: only traces that started before this (the last row's `startMs`). */
  beforeMs?: number;
  limit?: number;
}

/**
 * The query of a trace search as a URL carries it (`?correlationId=…&errors=1&minMs=50`), checked
 * the same way by the gateway and the store: an unknown or bad parameter is named.
 */
export const traceQuerySchema = z
  .object({
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/, "32 lower-case hex digits")
      .optional(),
    correlationId: z.string().min(1).max(200).optional(),
    orderId: z.string().min(1).max(200).optional(),
    service: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, "a service name (letters, digits, - or _)")
      .optional(),
    errors: z.enum(["1", "0", "true", "false", "on"]).optional(),
    minMs: z.coerce.number().min(0).optional(),
    before: z.coerce.number().positive().optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict();

export type TraceQuery = z.input<typeof traceQuerySchema>;

/** A URL's query checked as a trace search (an empty field, as a form sends it, is no filter). */
export function parseTraceQuery(params: Record<string, string>) {
  return traceQuerySchema.safeParse(Object.fromEntries(Object.entries(params).filter(([, value]) => value !== "")));
}

/** A checked query as the store's filter (an empty field is no filter). */
export function traceFilterOf(query: z.output<typeof traceQuerySchema>): TraceFilter {
  const filter: TraceFilter = {};
  if (query.traceId) filter.traceId = query.traceId;
  if (query.correlationId) filter.correlationId = query.correlationId;
  if (query.orderId) filter.orderId = query.orderId;
  if (query.service) filter.service = query.service;
  if (query.errors === "1" || query.errors === "true" || query.errors === "on") filter.errorsOnly = true;
  if (query.minMs !== undefined) filter.minDurationMs = query.minMs;
  if (query.before !== undefined) filter.beforeMs = query.before;
  if (query.limit !== undefined) filter.limit = query.limit;
  return filter;
}

/** The filter back as URL parameters, for links and for the store's API. */
export function traceQueryOf(filter: TraceFilter): URLSearchParams {
  const params = new URLSearchParams();
  const set = (name: string, value: string | number | undefined) => value !== undefined && value !== "" && params.set(name, String(value));
  set("traceId", filter.traceId);
  set("correlationId", filter.correlationId);
  set("orderId", filter.orderId);
  set("service", filter.service);
  if (filter.errorsOnly) params.set("errors", "1");
  set("minMs", filter.minDurationMs);
  set("before", filter.beforeMs);
  set("limit", filter.limit);
  return params;
}

/** The store's answer to a search: a page of traces, and where the next page starts (null: none). */
export interface TracePage {
  traces: TraceSummary[];
  nextBefore: number | null;
}

/** The store's answer for whole traces: the matching traces and all their spans. */
export interface TraceDetail {
  traces: TraceSummary[];
  spans: TraceSpan[];
}

export const spanKindNames: readonly SpanKindName[] = ["unspecified", "internal", "server", "client", "producer", "consumer"];
export const spanStatusNames: readonly SpanStatusName[] = ["unset", "ok", "error"];
