// shared/middleware/ — Hono middleware every worker's app runs: correlation id, JSON body limits,
// the admin key. Each a named factory with its test beside it.
/**
 * Correlation ID middleware for a worker's Hono app (shaped like Hono's own `requestId()`): takes
 * the caller's `x-correlation-id` when it is a sane token or makes one, sets it (and the logger)
 * on the context, echoes it on every answer, and runs the rest of the request in a request scope
 * carrying it, so log lines, peer calls and event envelopes pick it up (shared/core/request-scope.ts).
 *
 * @example
 *   const app = new Hono<CorrelationIdEnv>();
 *   app.use(correlationId({ logger }));
 *   app.get("/", (c) => c.text(c.get("correlationId")));
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../core/logger";
import { acceptCorrelationId, correlationHeader, runInRequestScope } from "../core/request-scope";

export type CorrelationIdEnv = { Variables: { correlationId: string; logger: Logger } };

export function correlationId(options: { logger: Logger }): MiddlewareHandler<CorrelationIdEnv> {
  const { logger } = options;
  return async function correlationId(c, next) {
    const id = acceptCorrelationId(c.req.header(correlationHeader));
    c.set("correlationId", id);
    // Log lines get the correlation ID from the request scope (the logger's mixin), not a binding.
    c.set("logger", logger);
    c.header(correlationHeader, id);
    await runInRequestScope({ correlationId: id }, next);
    // Again after the handlers: an answer built by a later middleware replaces the headers set above.
    c.header(correlationHeader, id);
  };
}
