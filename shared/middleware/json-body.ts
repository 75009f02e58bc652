/**
 * JSON only where JSON is meant: a request that carries a body must say it is JSON
 * (`application/json` or `application/<x>+json`, any parameters). Anything else, no content type
 * included, is refused 415 before a handler reads the body, so nothing is written. Without it a
 * web page could make a visitor's browser POST `text/plain` or a form (no CORS preflight for
 * those) and have it parsed as JSON.
 *
 * @example
 *   app.use("*", jsonBodyOnly());
 */
import { createMiddleware } from "hono/factory";

const jsonType = /^application\/([a-z0-9!#$&^_.-]+\+)?json\s*(;|$)/i;

/** Whether a request carries a body: a length above 0, or else a body stream (chunked, or built in-process). */
function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.body !== null;
}

/** The refusal's message: what was sent and what is expected. */
export function unsupportedMediaTypeMessage(contentType: string | undefined): string {
  const sent = contentType === undefined || contentType === "" ? "no content-type" : `content-type "${contentType}"`;
  return `request body must be JSON: send content-type: application/json (got ${sent})`;
}

export function jsonBodyOnly() {
  return createMiddleware<{ Variables: { correlationId?: string } }>(async function jsonBodyOnly(c, next) {
    const contentType = c.req.header("content-type");
    if (c.req.method === "GET" || c.req.method === "HEAD" || !hasBody(c.req.raw) || (contentType !== undefined && jsonType.test(contentType))) {
      return next();
    }
    const error = { code: "UNSUPPORTED_MEDIA_TYPE", message: unsupportedMediaTypeMessage(contentType), correlationId: c.get("correlationId") };
    return c.json({ error }, 415);
  });
}
