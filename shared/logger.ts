/**
 * Structured JSON logs (pino), one logger per worker process, passed in as a dependency.
 * Fields that may hold secrets or personal data are redacted at the source. Every line carries
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
  return pino(
    {
      level: options.level ?? "info",
      base: { worker: options.worker },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
    },
    options.destination,
  );
}
