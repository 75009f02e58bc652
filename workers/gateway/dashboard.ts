/**
 * The mesh dashboard on the gateway: `GET /mesh` (the page), `/mesh/panel` (its refreshed part),
 * `/mesh/state.json` (the same facts as JSON), the traces, charts and order pages
 * (dashboard-traces.ts), all behind the admin key. A browser cannot send an
 * Authorization header from the address bar, so `/mesh?key=<ADMIN_API_KEY>` once sets an HttpOnly,
 * SameSite=Strict cookie and redirects to `/mesh` without the key in the address (a login form
 * would post a form body, which the gateway refuses as non-JSON, by design).
 */
import type { Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { createAdminKeyCheck } from "../../shared/rpc/identity";
import { adminKeyRequired } from "../../shared/middleware/admin-key";
import type { WorkerEnv } from "../../shared/worker/worker";
import { meshState } from "./dashboard-state";
import { pageHtml, panelHtml, refreshScript } from "./dashboard-page";
import type { GatewayDeps } from "./deps";
import { errorAnswer } from "./errors";
import { registerChartAssets } from "./dashboard-charts";
import { registerTraceRoutes } from "./dashboard-traces";

const cookieName = "mesh_admin_key";
/** How often the page refreshes itself. */
export const dashboardRefreshMs = 3_000;

/** The 401 of the REST API's error shape (these routes sit outside its error handler). */
function refused(c: Context<WorkerEnv>): Response {
  const { status, body } = errorAnswer(adminKeyRequired(`${c.req.method} ${c.req.path}`));
  return c.json(body, status as 401);
}

/** The admin key from the Authorization header or the dashboard's cookie; refused 401 otherwise. */
function dashboardAuth(adminApiKey: string | null | undefined) {
  const isAdmin = createAdminKeyCheck(adminApiKey);
  return createMiddleware<WorkerEnv>(async (c, next) => {
    const cookie = getCookie(c, cookieName);
    if (!isAdmin(c.req.header("authorization")) && !(cookie && isAdmin(`Bearer ${cookie}`))) return refused(c);
    await next();
  });
}

/** `?key=` once: a right key becomes the cookie and the address loses it; a wrong one is a 401 like any other. */
function keyFromAddress(adminApiKey: string | null | undefined) {
  const isAdmin = createAdminKeyCheck(adminApiKey);
  return (c: Context<WorkerEnv>): Response | null => {
    const key = c.req.query("key");
    if (key === undefined) return null;
    if (!isAdmin(`Bearer ${key}`)) return refused(c);
    setCookie(c, cookieName, key, { httpOnly: true, sameSite: "Strict", path: "/mesh" });
    return c.redirect("/mesh", 303);
  };
}

export function registerDashboardRoutes(app: Hono<WorkerEnv>, deps: GatewayDeps): void {
  const fromAddress = keyFromAddress(deps.adminApiKey);
  app.get("/mesh", async (c, next) => fromAddress(c) ?? next());
  app.use("/mesh", dashboardAuth(deps.adminApiKey));
  app.use("/mesh/*", dashboardAuth(deps.adminApiKey));
  app.get("/mesh", async (c) => c.html(pageHtml(await meshState(deps), dashboardRefreshMs)));
  app.get("/mesh/panel", async (c) => c.html(panelHtml(await meshState(deps))));
  app.get("/mesh/state.json", async (c) => c.json(await meshState(deps)));
  app.get("/mesh/assets/refresh.js", (c) => c.body(refreshScript, 200, { "content-type": "text/javascript; charset=utf-8" }));
  registerChartAssets(app);
  registerTraceRoutes(app, deps);
}
