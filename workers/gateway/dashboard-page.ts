/**
 * The mesh dashboard's HTML, rendered on the server from the mesh state (dashboard-state.ts): the
 * workers table, consumers, sagas needing attention (each linked to its order's page and its
 * trace) and an inline SVG of the topology (calls as solid arrows, event flows as dashed ones,
 * drawn from what each worker reports of itself), every cell a fact as a person reads it; below
 * them the live charts (dashboard-charts.ts).
 */
import type { MeshState, WorkerView } from "./dashboard-state";
import { adminPage, agoCell, escapeHtml, orDash } from "./page-kit";
import { chartsSection } from "./dashboard-charts";
import { formatDuration } from "../../telemetry/trace-view";

/** "all closed (6)" when nothing is wrong; otherwise the peers whose breaker is not closed. */
function breakersCell(breakers: Record<string, string>): string {
  const entries = Object.entries(breakers);
  if (entries.length === 0) return "–";
  const tripped = entries.filter(([, state]) => state !== "closed");
  if (tripped.length === 0) return `all closed (${entries.length})`;
  return tripped.map(([peer, state]) => `<span class="breaker ${escapeHtml(state)}">${escapeHtml(peer)}: ${escapeHtml(state)}</span>`).join("<br>");
}

/** "7 s", "12 min", "3 h 5 min", "2 d". */
export function uptimeWords(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h ${Math.floor((seconds % 3_600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d`;
}

const number = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** "backlog 0, lag 3 ms", with publish retries and the last error when there are any. */
export function outboxCell(outbox: Record<string, unknown> | null): string {
  if (!outbox) return "–";
  const pending = number(outbox["pending"]) ?? 0;
  const lag = number(outbox["oldestAgeMs"]) ?? 0;
  const facts = [`backlog ${pending}`, `lag ${pending === 0 ? "0 ms" : formatDuration(lag)}`];
  if (number(outbox["publishRetries"])) facts.push(`${outbox["publishRetries"]} publish retries`);
  const cell = escapeHtml(facts.join(", "));
  const error = typeof outbox["lastError"] === "string" ? `<br><span class="bad">${escapeHtml(outbox["lastError"])}</span>` : "";
  return `<span class="${pending > 0 && lag > 10_000 ? "warn" : ""}">${cell}</span>${error}`;
}

/** "2 min ago", "failed 3 min ago: disk full", "overdue, 2 h ago", "none yet". */
export function backupCell(backup: Record<string, unknown> | null): string {
  if (!backup || backup["status"] === "none") return "none yet";
  const when = agoCell(backup["at"]);
  if (backup["status"] === "failed") return `<span class="bad">failed ${when}</span>${backup["error"] ? `: ${escapeHtml(backup["error"])}` : ""}`;
  if (backup["status"] === "overdue") return `<span class="warn">overdue, last ${when}</span>`;
  return when;
}

function workerRow(worker: WorkerView): string {
  const state = worker.up ? (worker.ready ? "up" : "not ready") : "down";
  const cells = [
    escapeHtml(worker.name),
    `<span class="state ${state.replace(" ", "-")}">${state}</span>`,
    orDash(worker.pid),
    worker.uptimeS === null ? "–" : uptimeWords(worker.uptimeS),
    orDash(worker.version),
    outboxCell(worker.outbox),
    breakersCell(worker.breakers),
    backupCell(worker.backup),
    orDash(worker.error),
  ];
  return `<tr data-worker="${escapeHtml(worker.name)}" data-state="${state}">${cells.map((cell, i) => `<td${i === cells.length - 1 ? ' class="wrap"' : ""}>${cell}</td>`).join("")}</tr>`;
}

function consumerRows(workers: WorkerView[]): string {
  const rows = workers.flatMap((worker) =>
    Object.entries(worker.consumers).map(([name, stats]) => {
      const dead = Number(stats["deadLettered"] ?? 0);
      const pending = number(stats["pending"]);
      const cells = [
        escapeHtml(worker.name),
        escapeHtml(name),
        orDash(stats["handled"]),
        orDash(stats["failed"]),
        String(dead),
        pending === null ? "–" : `${pending} pending`,
        agoCell(stats["lastDeliveredAt"]),
        stats["consuming"] ? "yes" : '<span class="bad">no</span>',
        orDash(stats["lastError"]),
      ];
      return `<tr class="${dead > 0 ? "dead" : ""}">${cells.map((cell, i) => `<td${i === cells.length - 1 ? ' class="wrap"' : ""}>${cell}</td>`).join("")}</tr>`;
    }),
  );
  return rows.join("") || `<tr><td colspan="9">no consumer reported</td></tr>`;
}

/** Jaeger's search for the traces carrying a correlation ID. */
export function jaegerSearchUrl(jaegerUiUrl: string, correlationId: string): string {
  return `${jaegerUiUrl.replace(/\/$/, "")}/search?tags=${encodeURIComponent(JSON.stringify({ "correlation.id": correlationId }))}`;
}

/** The correlation ID linked to its trace here, and to Jaeger's search as well when JAEGER_UI_URL is set. */
function correlationCell(state: MeshState, correlationId: string | null): string {
  if (!correlationId) return "–";
  const here = `<a href="/mesh/traces?correlationId=${encodeURIComponent(correlationId)}">${escapeHtml(correlationId)}</a>`;
  return state.jaegerUiUrl ? `${here} (<a href="${escapeHtml(jaegerSearchUrl(state.jaegerUiUrl, correlationId))}">Jaeger</a>)` : here;
}

function sagaRows(state: MeshState): string {
  if (state.sagasError) return `<tr><td colspan="5">could not read the sagas: ${escapeHtml(state.sagasError)}</td></tr>`;
  const rows = state.sagas.map((saga) => {
    const order = `<a href="/mesh/orders/${encodeURIComponent(saga.orderId)}">${escapeHtml(saga.orderId)}</a>`;
    const cells = [order, orDash(saga.step), orDash(saga.attempts), orDash(saga.lastError), correlationCell(state, saga.correlationId)];
    return `<tr>${cells.map((cell) => `<td>${cell}</td>`).join("")}</tr>`;
  });
  return rows.join("") || `<tr><td colspan="5">none</td></tr>`;
}

/** Workers on a circle; an arrow per call and per event flow, each drawn from what the workers report. */
export function topologySvg(workers: WorkerView[]): string {
  const size = 420;
  const radius = 160;
  const at = new Map(workers.map((worker, index) => [worker.name, angleAt(index, workers.length, radius, size)]));
  const line = (from: string, to: string, kind: string) => {
    const [a, b] = [at.get(from), at.get(to)];
    return a && b ? `<line class="${kind}" x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" marker-end="url(#arrow)"/>` : "";
  };
  const calls = workers.flatMap((worker) => worker.peers.map((peer) => line(worker.name, peer, "call")));
  const flows = workers.flatMap((worker) => worker.consumes.map((stream) => line(stream.owner, worker.name, "event")));
  const nodes = workers.map((worker) => {
    const { x, y } = at.get(worker.name)!;
    const state = worker.up ? "up" : "down";
    return `<g class="node ${state}"><circle cx="${x}" cy="${y}" r="34"/><text x="${x}" y="${y + 4}" text-anchor="middle">${escapeHtml(worker.name)}</text></g>`;
  });
  const arrow = `<defs><marker id="arrow" viewBox="0 0 10 10" refX="66" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z"/></marker></defs>`;
  return `<svg viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img" aria-label="topology">${arrow}${calls.join("")}${flows.join("")}${nodes.join("")}</svg>`;
}

function angleAt(index: number, count: number, radius: number, size: number): { x: number; y: number } {
  const angle = (2 * Math.PI * index) / Math.max(count, 1) - Math.PI / 2;
  return { x: Math.round(size / 2 + radius * Math.cos(angle)), y: Math.round(size / 2 + radius * Math.sin(angle)) };
}

/** The part of the page the script replaces on each refresh. */
export function panelHtml(state: MeshState): string {
  const head = (names: string[]) => `<tr>${names.map((name) => `<th>${name}</th>`).join("")}</tr>`;
  return `<p class="at">as of ${escapeHtml(state.at)}</p>
<h2>Workers</h2><table id="workers">${head(["worker", "state", "pid", "uptime", "version", "outbox (backlog, relay lag)", "breakers", "last backup", "error"])}${state.workers.map(workerRow).join("")}</table>
<h2>Consumers</h2><table id="consumers">${head(["worker", "consumer", "handled", "failed", "dead letters", "lag (pending)", "last delivery", "consuming", "last error"])}${consumerRows(state.workers)}</table>
<h2>Sagas needing attention</h2><table id="sagas">${head(["order", "step", "attempts", "last error", "correlation ID (its trace)"])}${sagaRows(state)}</table>
<h2>Topology</h2><p>solid: calls; dashed: event flows (owner → consumer)</p>${topologySvg(state.workers)}`;
}

const style = `.breaker.open,.breaker.isolated{color:#c00}.breaker.half-open{color:#b60}tr.dead td{background:#fee}
svg line.call{stroke:#446}svg line.event{stroke:#888;stroke-dasharray:5 4}svg circle{fill:#dfd;stroke:#080}
svg .down circle{fill:#fdd;stroke:#c00}svg text{font-size:11px}svg marker path{fill:#446}`;

/** The dashboard: the refreshed panel, then the live charts (outside the panel, so a refresh keeps them). */
export function pageHtml(state: MeshState, refreshMs: number): string {
  const body = `<div id="panel" data-refresh-ms="${refreshMs}">${panelHtml(state)}</div>
${chartsSection(state.workers.map((worker) => worker.name))}`;
  return adminPage({
    title: "dashboard",
    active: "dashboard",
    body,
    style,
    stylesheets: ["/mesh/assets/uplot.css"],
    scripts: ["/mesh/assets/refresh.js", "/mesh/assets/uplot.js", "/mesh/assets/charts.js"],
  });
}

/** Replaces the panel every few seconds; a failed refresh leaves the last one and says so. */
export const refreshScript = `const panel = document.getElementById("panel");
const every = Number(panel.dataset.refreshMs) || 3000;
async function refresh() {
  try {
    const answer = await fetch("/mesh/panel", { credentials: "same-origin" });
    if (!answer.ok) throw new Error("HTTP " + answer.status);
    panel.innerHTML = await answer.text();
  } catch (error) {
    panel.querySelector(".at").textContent = "refresh failed: " + error.message;
  }
  setTimeout(refresh, every);
}
setTimeout(refresh, every);
`;
