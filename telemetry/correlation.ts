/**
 * Stamps `correlation.id` on every span as it starts, from the request scope
 * (shared/core/request-scope.ts), so no call site has to. A span given one explicitly (the outbox
 * relay, which works outside any request) keeps its own.
 */
import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { currentRequestScope } from "../shared/core/request-scope";
import { correlationAttribute } from "./spans";

export class CorrelationSpanProcessor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    if (span.attributes[correlationAttribute] !== undefined) return;
    const correlationId = currentRequestScope()?.correlationId;
    if (correlationId) span.setAttribute(correlationAttribute, correlationId);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
