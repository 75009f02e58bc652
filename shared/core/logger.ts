/**
 * Structured JSON logs (pino), one logger per worker process, passed in as a dependency.
 * Fields that may hold secrets or personal data are redacted at the source: by key
 * (`redactedKeys`: email, name, displayName, password, token, ...) at any depth of a logged
 * object or a child logger's bindings, in plain objects and arrays. Every line carries
 * `trace_id`/`span_id` of the active span and the request's `correlationId`.
 *
 * @example const logger = createLogger({ worker: "users", level: "info" });
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { currentRequestScope } from "./request-scope";

export type Logger = PinoLogger;

export const redactedPaths = [
  "password",
  "token",
  "authorization",
  "apiKey",
  "secret",
  "*.password",
  "*.token",
  "*.authorization",
  "*.apiKey",
  "*.secret",
  "*.email",
  "headers.authorization",
  "req.headers.authorization",
];

/** Keys redacted wherever they sit in a logged object: personal data and secrets. */
export const redactedKeys: ReadonlySet<string> = new Set(["email", "name", "displayName", "password", "token", "authorization", "apiKey", "secret"]);
export const redactedValue = "[redacted]";
/** Deeper than this a logged object is left as it is (logs carry shallow objects; this bounds the walk). */
const maxRedactDepth = 12;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `value` with every `redactedKeys` entry censored at any depth: a copy where something changed, the
 * same object where nothing did (the caller's objects are never modified). Only plain objects and
 * arrays are walked: errors, dates and class instances keep their own serializers.
 */
export function redactDeep<T>(value: T, depth = 0, seen: WeakSet<object> = new WeakSet()): T {
  if (value === null || typeof value !== "object" || depth > maxRedactDepth || seen.has(value)) return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  seen.add(value);
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(source)) {
    const item = source[key];
    const next = !Array.isArray(value) && redactedKeys.has(key) && item != null ? redactedValue : redactDeep(item, depth + 1, seen);
    if (next === item) continue;
    copy ??= Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...source };
    copy[key] = next;
  }
  return (copy ?? value) as T;
}

/** Every line carries the trace it was written in and the request's correlation ID. */
function traceFields(): Record<string, string> {
  const fields: Record<string, string> = {};
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext && isSpanContextValid(spanContext)) {
    fields["trace_id"] = spanContext.traceId;
    fields["span_id"] = spanContext.spanId;
  }
  const correlationId = currentRequestScope()?.correlationId;
  if (correlationId) fields["correlationId"] = correlationId;
  return fields;
}

export function createLogger(options: { worker: string; level?: string; destination?: DestinationStream }): Logger {
  const logger = pino(
    {
      level: options.level ?? "info",
      base: { worker: options.worker },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: redactedValue },
      formatters: { level: (label) => ({ level: label }), log: (object) => redactDeep(object) },
      mixin: traceFields,
    },
    options.destination,
  );
  // A child's bindings skip pino's formatters: censor them here. Children inherit this method
  // (pino makes each child with Object.create(parent)), so grandchildren are covered too.
  const pinoChild = logger.child;
  logger.child = function child(this: Logger, bindings, childOptions) {
    return pinoChild.call(this, redactDeep(bindings), childOptions);
  } as typeof logger.child;
  return logger;
}
