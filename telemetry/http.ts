/**
 * Hono middleware giving every HTTP request a SERVER span (continuing the caller's `traceparent`,
 * named `${method} ${route}`, HTTP semantic-convention attributes, status ERROR on 5xx) and a
 * sample in the `http.server.request.duration` histogram by route and status. Health probes and
 * `/metrics` scrapes are left out: they would bury the traces that matter. With a logger, each
 * request is also a debug line (in the request's span, so it carries its trace id).
 *
 * @example app.use("*", httpServerTelemetry({ logger }));
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type TextMapGetter } from "@opentelemetry/api";
import type { Context as HonoContext, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { meter, tracer } from "./spans";

const headersGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => {
    const keys: string[] = [];
    headers.forEach((_value, key) => keys.push(key));
    return keys;
  },
};

const untraced = (path: string) => path === "/metrics" || path.startsWith("/health/");

/** HTTP's methods; any other is `_OTHER` on the metric (OpenTelemetry's convention), so a client cannot mint labels. */
const knownMethods = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);
const methodLabel = (method: string) => (knownMethods.has(method) ? method : "_OTHER");

/**
 * The low-cardinality route, from a closed set: `/trpc/<procedure>` for a tRPC call of a procedure
 * that exists (an unknown one is answered 404 and labelled `/trpc/*`), `/trpc/(batch)` for any
 * batch (`/trpc/a,b,c`: each combination would be a label of its own), else the pattern of the
 * handler that answered (after `next()`, Hono's route index points at it; a later catch-all is not it).
 */
export function routeOf(c: HonoContext): string | undefined {
  const pattern = routePath(c);
  if (pattern === "/trpc/*") {
    if (c.res.status === 404) return pattern;
    const procedure = c.req.path.slice("/trpc/".length);
    return procedure.includes(",") ? "/trpc/(batch)" : `/trpc/${procedure}`;
  }
  if (!pattern || pattern === "*" || pattern === "/*") return undefined;
  return pattern;
}

// Seconds; from 1 ms (a cached read) to 10 s (a saga waiting on a slow peer).
const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The part of a pino logger the access line needs. */
interface DebugLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  /** pino's: when debug is off, the access line is not built at all. */
  isLevelEnabled?(level: string): boolean;
}

function requestAttributes(c: HonoContext): Attributes {
  const url = new URL(c.req.url);
  const userAgent = c.req.header("user-agent");
  return {
    "http.request.method": c.req.method,
    "url.path": c.req.path,
    "url.scheme": url.protocol.replace(":", ""),
    "server.address": url.hostname,
    "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
    "network.protocol.name": "http",
    ...(userAgent ? { "user_agent.original": userAgent } : {}),
  };
}

export function httpServerTelemetry(options: { logger?: DebugLogger } = {}): MiddlewareHandler {
  const duration = meter().createHistogram("http.server.request.duration", {
    description: "Duration of HTTP requests served, by route and status",
    unit: "s",
    advice: { explicitBucketBoundaries: durationBuckets },
  });
  return async (c, next) => {
    if (untraced(c.req.path)) return next();
    const method = c.req.method;
    const parent = propagation.extract(context.active(), c.req.raw.headers, headersGetter);
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
    // Attributes only for a span that records: untraced, or under a parent not sampled, nothing is built.
    if (span.isRecording()) span.setAttributes(requestAttributes(c));
    const started = performance.now();
    const active = trace.setSpan(parent, span);
    let thrown: unknown;
    try {
      await context.with(active, next);
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      const status = thrown ? 500 : c.res.status;
      const route = routeOf(c);
      if (route && span.isRecording()) {
        span.updateName(`${method} ${route}`);
        span.setAttribute("http.route", route);
      }
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) {
        const error = thrown ?? c.error;
        if (error instanceof Error) span.recordException(error);
        span.setAttribute("error.type", String(status));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : `HTTP ${status}` });
      }
      const seconds = (performance.now() - started) / 1000;
      if (options.logger && (options.logger.isLevelEnabled?.("debug") ?? true)) {
        const fields = { method, route: route ?? c.req.path, status, ms: Math.round(seconds * 10_000) / 10 };
        context.with(active, () => options.logger!.debug(fields, "request served"));
      }
      span.end();
      duration.record(seconds, {
        "http.request.method": methodLabel(method),
        "http.route": route ?? "unmatched",
        "http.response.status_code": status,
      });
    }
  };
}
