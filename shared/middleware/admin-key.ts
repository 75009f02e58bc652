/**
 * The admin API key as Hono middleware: a request without `Authorization: Bearer <admin key>` is
 * refused with UNAUTHENTICATED (401 through the app's error handler) before its handler runs, so
 * before its body is read: a refused call changes nothing and learns nothing.
 *
 * @example
 *   app.put("/api/inventory/*", adminKey({ key: deps.adminApiKey }));
 */
import { createMiddleware } from "hono/factory";
import { DomainError } from "../core/errors";
import { createAdminKeyCheck } from "../rpc/identity";

export interface AdminKeyOptions {
  /** The admin API key; none: every request is refused. */
  key: string | null | undefined;
}

/** The refusal of an admin operation (`what` names it); never says what the key is. */
export function adminKeyRequired(what: string): DomainError {
  return new DomainError("UNAUTHENTICATED", `${what} needs the admin API key: send Authorization: Bearer <ADMIN_API_KEY>`);
}

export function adminKey(options: AdminKeyOptions) {
  const isAdmin = createAdminKeyCheck(options.key);
  return createMiddleware(async function adminKey(c, next) {
    if (!isAdmin(c.req.header("authorization"))) throw adminKeyRequired(`${c.req.method} ${c.req.path}`);
    await next();
  });
}
