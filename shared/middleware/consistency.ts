/**
 * Consistency middleware for a worker's Hono app (after correlationId, inside its request scope):
 * a request's `x-consistency-token` is checked (a tampered, foreign or malformed one is a 400
 * naming the header, before any handler runs) and kept as what the request's reads wait for; the
 * answer carries the token of what the request wrote (its own events, its peers' tokens and the
 * token it came with, merged: a session that keeps the latest token keeps all it wrote), and
 * what the read models it read said of their position and lag.
 *
 * @example
 *   app.use(correlationId({ logger }));
 *   app.use(consistency({ tokens: createConsistencyTokens(secret) }));
 */
import type { MiddlewareHandler } from "hono";
import { consistencyOf, consistencyTokenHeader, readModelHeaders } from "../core/consistency-scope";
import { DomainError } from "../core/errors";
import { currentRequestScope } from "../core/request-scope";
import { answerTokenOf, type ConsistencyTokens } from "../events/consistency-token";
import type { CorrelationIdEnv } from "./correlation-id";

export function consistency(options: { tokens: ConsistencyTokens }): MiddlewareHandler<CorrelationIdEnv> {
  const { tokens } = options;
  return async function consistency(c, next) {
    const scope = currentRequestScope();
    const incoming = c.req.header(consistencyTokenHeader);
    if (incoming !== undefined && scope) {
      try {
        tokens.read(incoming);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const { code, message, details } = error;
        return c.json({ error: { code, message, details, correlationId: c.get("correlationId") } }, 400);
      }
      consistencyOf(scope)!.readAfter = incoming;
    }
    await next();
    const state = scope?.consistency;
    if (!state) return;
    const token = answerTokenOf(tokens, state);
    if (token !== undefined) c.header(consistencyTokenHeader, token);
    for (const [name, value] of Object.entries(readModelHeaders(state.readModels))) c.header(name, value);
  };
}
