/**
 * `/mesh/traces`: the recent traces of the mesh's trace store, newest first, with the search form
 * (correlation id, order id, service, errors only, slower than N ms) and a link to older ones.
 * Each row links to the trace's waterfall (waterfall-page.ts) and its order to the order's page.
 */
import { traceQueryOf, type TraceFilter, type TracePage, type TraceSummary } from "../../telemetry/trace-query";
import { formatDuration } from "../../telemetry/trace-view";
import { adminPage, ago, escapeHtml, orDash, serviceChip } from "./page-kit";

const style = `form#filters{margin:1em 0;display:flex;flex-wrap:wrap;gap:.8em;align-items:center}form#filters input[type=text]{width:16em}
form#filters input[type=number]{width:6em}tr.error td:first-child{border-left:4px solid #c00}.errors{color:#c00;font-weight:bold}`;

function input(name: keyof TraceFilter | "minMs", label: string, value: string | number | undefined, type = "text"): string {
  return `<label>${label} <input type="${type}" name="${name}" value="${escapeHtml(value ?? "")}"${type === "number" ? ' min="0"' : ""}></label>`;
}

function filterForm(filter: TraceFilter, services: readonly string[]): string {
  const options = ["", ...services]
    .map((service) => `<option value="${escapeHtml(service)}"${filter.service === service ? " selected" : ""}>${service || "any service"}</option>`)
    .join("");
  return `<form id="filters" method="get" action="/mesh/traces">
${input("correlationId", "correlation ID", filter.correlationId)}${input("orderId", "order ID", filter.orderId)}
<label>service <select name="service">${options}</select></label>
<label><input type="checkbox" name="errors" value="1"${filter.errorsOnly ? " checked" : ""}> errors only</label>
${input("minMs", "slower than (ms)", filter.minDurationMs, "number")}<button type="submit">Find</button> <a href="/mesh/traces">clear</a></form>`;
}

function traceRow(trace: TraceSummary, colours: Map<string, string>, now: number): string {
  const root = `${trace.service ?? "?"}: ${trace.name ?? "(no root span)"}`;
  const order = trace.orderId ? `<a href="/mesh/orders/${encodeURIComponent(trace.orderId)}">${escapeHtml(trace.orderId)}</a>` : "–";
  const cells = [
    `<time title="${new Date(trace.startMs).toISOString()}">${ago(Math.max(0, now - trace.startMs))}</time>`,
    `<a href="/mesh/traces/${trace.traceId}">${escapeHtml(root)}</a>`,
    formatDuration(trace.durationMs),
    String(trace.spanCount),
    trace.services.map((service) => serviceChip(service, colours)).join(""),
    trace.errorCount > 0 ? `<span class="errors">${trace.errorCount}</span>` : "0",
    orDash(trace.correlationId),
    order,
  ];
  return `<tr data-trace-id="${trace.traceId}" class="${trace.errorCount > 0 ? "error" : ""}">${cells.map((cell) => `<td>${cell}</td>`).join("")}</tr>`;
}

function resultsTable(page: TracePage, filter: TraceFilter, colours: Map<string, string>, now: number): string {
  const head = ["started", "trace (root span)", "duration", "spans", "services", "errors", "correlation ID", "order"].map((name) => `<th>${name}</th>`).join("");
  const rows =
    page.traces.map((trace) => traceRow(trace, colours, now)).join("") || `<tr><td colspan="8">no trace matches${Object.keys(filter).length > 0 ? " these filters" : " yet"}</td></tr>`;
  const older = page.nextBefore === null ? "" : `<p><a id="older" href="/mesh/traces?${traceQueryOf({ ...filter, beforeMs: page.nextBefore })}">older traces →</a></p>`;
  return `<table id="traces"><tr>${head}</tr>${rows}</table>${older}`;
}

export interface TracesPageInput {
  filter: TraceFilter;
  services: readonly string[];
  colours: Map<string, string>;
  /** The page of traces, or why there is none (the store unreachable, a bad filter). */
  result: { page: TracePage } | { problem: string };
  now?: number;
}

export function tracesPageHtml(input: TracesPageInput): string {
  const results =
    "page" in input.result
      ? resultsTable(input.result.page, input.filter, input.colours, input.now ?? Date.now())
      : `<p class="bad" id="problem">${escapeHtml(input.result.problem)}</p>`;
  const body = `<h2>Traces</h2><p>Every span of every worker, kept by the mesh's own trace store (the newest first; the same as JSON: <code>/mesh/traces.json?correlationId=…</code>).</p>
${filterForm(input.filter, input.services)}${results}`;
  return adminPage({ title: "traces", active: "traces", body, style });
}
