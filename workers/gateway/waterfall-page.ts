/**
 * One trace as a waterfall (`/mesh/traces/<trace id>`): every span of every worker on one time
 * axis, in tree order, coloured by service, each labelled with the hop it is (HTTP, tRPC, SQLite,
 * publish → JetStream, JetStream → consumer, saga step), errors marked red. A row opens (a
 * `<details>`, no script) on its attributes and events.
 */
import type { TraceDetail, TraceSpan, TraceSummary } from "../../telemetry/trace-query";
import { formatDuration, traceExtentMs, waterfallRows, type Hop, type WaterfallRow } from "../../telemetry/trace-view";
import { adminPage, escapeHtml, orDash, serviceChip } from "./page-kit";

const hopLabels: Record<Hop, string> = {
  http: "HTTP",
  trpc: "tRPC",
  db: "SQLite",
  publish: "outbox → JetStream",
  consume: "JetStream → consumer",
  saga: "saga step",
  other: "span",
};

const style = `#waterfall{border:1px solid #ddd;max-width:1400px}#waterfall .axis,#waterfall summary{display:grid;grid-template-columns:minmax(22em,38%) 1fr;align-items:center}
#waterfall .axis{font-size:11px;color:#666;border-bottom:1px solid #ddd;padding:2px 0}#waterfall .ticks{position:relative;height:1.2em;margin-right:5em}#waterfall .ticks span{position:absolute;transform:translateX(-50%)}
#waterfall summary{cursor:pointer;list-style:none;padding:1px 0;border-bottom:1px solid #f3f3f3}#waterfall summary::-webkit-details-marker{display:none}
#waterfall summary:hover{background:#f6f8fb}#waterfall .label{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;font-size:13px}
#waterfall .track{position:relative;height:14px;margin-right:5em}#waterfall .bar{position:absolute;top:2px;height:10px;min-width:2px;border-radius:2px}
#waterfall .dur{position:absolute;top:-1px;font-size:11px;color:#444;padding-left:4px;white-space:nowrap}
#waterfall .error summary .label{color:#c00;font-weight:bold}#waterfall .error .bar{outline:2px solid #c00}
.hop{display:inline-block;font-size:10px;border:1px solid #999;border-radius:3px;padding:0 3px;margin-right:4px;color:#444}
.hop.db{border-color:#8a6;color:#574}.hop.publish,.hop.consume{border-color:#a6c;color:#739}.hop.saga{border-color:#c84;color:#940}.hop.trpc{border-color:#58c;color:#246}
#waterfall .detail{padding:4px 12px 10px 2em;background:#fafafa;font-size:12px}#waterfall .detail table{margin:4px 0}`;

const percent = (part: number, whole: number) => (whole > 0 ? Math.min(100, Math.max(0, (part / whole) * 100)) : 0).toFixed(3);

function valueText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function spanDetail(span: TraceSpan, origin: number): string {
  const attributes = Object.entries(span.attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td class="wrap">${escapeHtml(valueText(value))}</td></tr>`)
    .join("");
  const events = span.events
    .map((event) => {
      const facts = Object.entries(event.attributes).map(([key, value]) => `${escapeHtml(key)}=${escapeHtml(valueText(value))}`);
      return `<li>+${formatDuration(event.atMs - origin)} <b>${escapeHtml(event.name)}</b> ${facts.join(" ")}</li>`;
    })
    .join("");
  const status = span.status === "error" ? `<p class="bad">ERROR: ${orDash(span.statusMessage)}</p>` : `<p>status ${span.status}</p>`;
  const ids = `<p>span ${span.spanId}${span.parentSpanId ? `, parent ${span.parentSpanId}` : ", root"} · ${span.kind} · ${escapeHtml(span.service)}</p>`;
  return `<div class="detail">${status}${ids}<table class="attributes">${attributes || "<tr><td>no attributes</td></tr>"}</table>${events ? `<p>events:</p><ul class="events">${events}</ul>` : ""}</div>`;
}

function spanRow(row: WaterfallRow, extent: number, origin: number, colours: Map<string, string>): string {
  const { span } = row;
  const left = percent(row.offsetMs, extent);
  const label = `<span class="label" style="padding-left:${Math.min(row.depth, 20) * 12}px"><span class="hop ${row.hop}">${hopLabels[row.hop]}</span>${serviceChip(span.service, colours)} ${escapeHtml(span.name)}</span>`;
  const bar = `<span class="track"><span class="bar" style="left:${left}%;width:${percent(span.durationMs, extent)}%;background:${colours.get(span.service) ?? "#888"}"></span><span class="dur" style="left:calc(${left}% + ${percent(span.durationMs, extent)}%)">${formatDuration(span.durationMs)}</span></span>`;
  const data = `data-span-id="${span.spanId}" data-service="${escapeHtml(span.service)}" data-hop="${row.hop}" data-status="${span.status}"`;
  return `<details class="span${span.status === "error" ? " error" : ""}" ${data}><summary>${label}${bar}</summary>${spanDetail(span, origin)}</details>`;
}

function axis(extent: number): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => `<span style="left:${share * 100}%">${formatDuration(extent * share)}</span>`).join("");
  return `<div class="axis"><span>span (hop, service)</span><span class="ticks">${ticks}</span></div>`;
}

function summaryLine(summary: TraceSummary | undefined, spans: TraceSpan[], colours: Map<string, string>): string {
  const services = [...new Set(spans.map((span) => span.service))].sort();
  const errors = spans.filter((span) => span.status === "error").length;
  const correlation = summary?.correlationId
    ? `correlation ID <a href="/mesh/traces?correlationId=${encodeURIComponent(summary.correlationId)}">${escapeHtml(summary.correlationId)}</a>`
    : "";
  const order = summary?.orderId ? `order <a href="/mesh/orders/${encodeURIComponent(summary.orderId)}">${escapeHtml(summary.orderId)}</a>` : "";
  const facts = [formatDuration(traceExtentMs(spans)), `${spans.length} spans`, `${services.length} services ${services.map((s) => serviceChip(s, colours)).join("")}`];
  facts.push(errors > 0 ? `<span class="bad">${errors} error${errors === 1 ? "" : "s"}</span>` : "no errors");
  return `<p id="trace-facts">${[...facts, correlation, order].filter(Boolean).join(" · ")}</p>`;
}

export function waterfallPageHtml(traceId: string, detail: TraceDetail, colours: Map<string, string>): string {
  const spans = detail.spans.filter((span) => span.traceId === traceId);
  const summary = detail.traces.find((trace) => trace.traceId === traceId);
  const rows = waterfallRows(spans);
  const origin = rows[0]?.span.startMs ?? 0;
  const extent = traceExtentMs(spans);
  const title = summary ? `${summary.service ?? "?"}: ${summary.name ?? "trace"}` : "trace";
  const body =
    spans.length === 0
      ? `<h2>Trace <code>${escapeHtml(traceId)}</code></h2><p class="bad" id="problem">the trace store holds no span of this trace (not received yet, or pruned)</p>`
      : `<h2>${escapeHtml(title)}</h2><p>trace <code>${traceId}</code>; the same as JSON: <a href="/mesh/traces.json?traceId=${traceId}">traces.json</a></p>
${summaryLine(summary, spans, colours)}<div id="waterfall" data-span-count="${spans.length}">${axis(extent)}${rows.map((row) => spanRow(row, extent, origin, colours)).join("")}</div>`;
  return adminPage({ title, active: "traces", body, style });
}
