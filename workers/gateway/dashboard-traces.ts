/**
 * The dashboard's trace and chart routes (behind the admin key, like /mesh): `/mesh/traces` (the
 * list and search), `/mesh/traces/<trace id>` (its waterfall), `/mesh/traces.json` (whole traces
 * by correlationId, orderId or traceId, as JSON), `/mesh/series.json` (the charts' series) and
 * `/mesh/orders/<id>` (an order linked to its trace). All read the telemetry process; a bad query
 * is a 400 naming the parameter, an unreachable store a 503 saying so.
 */
import type { Context, Hono } from "hono";
import { parseTraceQuery, traceFilterOf, type TraceFilter, type TraceSummary } from "../../telemetry/trace-query";
import { serviceColours } from "../../telemetry/trace-view";
import type { WorkerEnv } from "../../shared/worker/worker";
import { DomainError } from "../../shared/core/errors";
import type { GatewayDeps } from "./deps";
import { badInput, errorAnswer, fromPeer } from "./errors";
import { escapeHtml, adminPage } from "./page-kit";
import { orderPageHtml } from "./order-page";
import { telemetryReader, type TelemetryReader } from "./telemetry-reader";
import { tracesPageHtml } from "./traces-page";
import { waterfallPageHtml } from "./waterfall-page";

const traceIdPattern = /^[0-9a-f]{32}$/;

/** The mesh's services: the gateway and its peers, each with its colour on every page. */
function servicesOf(deps: GatewayDeps): string[] {
  return ["gateway", ...deps.healthTargets.map((target) => target.name)].sort();
}

function problemPage(c: Context<WorkerEnv>, error: unknown) {
  const { status, body } = errorAnswer(error);
  const page = adminPage({ title: "problem", active: "traces", body: `<p class="bad" id="problem">${escapeHtml(body.error.message)}</p>` });
  return c.html(page, status as 400);
}

/** The query as a filter, or the 400 naming its bad parameters. */
function filterOf(c: Context<WorkerEnv>): TraceFilter {
  const parsed = parseTraceQuery(c.req.query());
  if (!parsed.success) throw badInput(parsed.error, "query.");
  return traceFilterOf(parsed.data);
}

async function listPage(c: Context<WorkerEnv>, deps: GatewayDeps, reader: TelemetryReader) {
  const services = servicesOf(deps);
  const colours = serviceColours(services);
  let filter: TraceFilter;
  try {
    filter = filterOf(c);
  } catch (error) {
    return problemPage(c, error);
  }
  try {
    return c.html(tracesPageHtml({ filter, services, colours, result: { page: await reader.page(filter) } }));
  } catch (error) {
    const { status, body } = errorAnswer(error);
    return c.html(tracesPageHtml({ filter, services, colours, result: { problem: body.error.message } }), status as 503);
  }
}

async function orderPage(c: Context<WorkerEnv>, deps: GatewayDeps, reader: TelemetryReader) {
  const id = c.req.param("orderId")!;
  const order = await fromPeer("orders", () => deps.peers.orders.get.query({ id }));
  const traces: TraceSummary[] | { problem: string } = await reader
    .page({ orderId: id })
    .then(async (byOrder) => (byOrder.traces.length > 0 ? byOrder.traces : (await reader.page({ correlationId: order.correlationId })).traces))
    .catch((error: Error) => ({ problem: error.message }));
  return c.html(orderPageHtml(order, traces));
}

export function registerTraceRoutes(app: Hono<WorkerEnv>, deps: GatewayDeps): void {
  const reader = telemetryReader(deps);
  const answerJson = (c: Context<WorkerEnv>, error: unknown) => {
    const { status, body } = errorAnswer(error);
    return c.json(body, status as 400);
  };
  app.get("/mesh/traces", (c) => listPage(c, deps, reader));
  app.get("/mesh/traces.json", async (c) => {
    try {
      const filter = filterOf(c);
      if (!filter.traceId && !filter.correlationId && !filter.orderId) throw new DomainError("BAD_INPUT", "invalid input: query: one of traceId, correlationId, orderId is required");
      return c.json(await reader.detail(filter));
    } catch (error) {
      return answerJson(c, error);
    }
  });
  app.get("/mesh/traces/:traceId", async (c) => {
    const traceId = c.req.param("traceId");
    if (!traceIdPattern.test(traceId))
      return problemPage(c, new DomainError("BAD_INPUT", `invalid input: path.traceId: 32 lower-case hex digits (got ${JSON.stringify(traceId.slice(0, 80))})`));
    try {
      return c.html(waterfallPageHtml(traceId, await reader.detail({ traceId }), serviceColours(servicesOf(deps))));
    } catch (error) {
      return problemPage(c, error);
    }
  });
  app.get("/mesh/series.json", async (c) =>
    reader.series().then(
      (series) => c.json(series),
      (error) => answerJson(c, error),
    ),
  );
  app.get("/mesh/orders/:orderId", (c) => orderPage(c, deps, reader).catch((error) => problemPage(c, error)));
}
