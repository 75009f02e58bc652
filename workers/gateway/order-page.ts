/**
 * An order's page for operators (`/mesh/orders/<id>`): its status, lines and totals as orders
 * answers them, and links to its trace (the trace store's traces carrying its order id or its
 * correlation id), so a stuck saga is one click from the hops it took.
 */
import type { TraceSummary } from "../../telemetry/trace-query";
import { formatDuration } from "../../telemetry/trace-view";
import { adminPage, agoCell, escapeHtml, orDash } from "./page-kit";

export interface OrderFacts {
  id: string;
  status: string;
  customerId: string;
  totalCents: number;
  rejectionReason: string | null;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  lines: { productId: string; name: string; unitPriceCents: number; quantity: number }[];
}

const money = (cents: number) => (cents / 100).toFixed(2);

function traceLinks(order: OrderFacts, traces: TraceSummary[] | { problem: string }): string {
  if ("problem" in traces) return `<p class="bad">its traces could not be read: ${escapeHtml(traces.problem)}</p>`;
  const search = `/mesh/traces?correlationId=${encodeURIComponent(order.correlationId)}`;
  if (traces.length === 0) return `<p id="order-trace">no trace of it in the store (pruned, or not sampled): <a href="${search}">search by its correlation ID</a></p>`;
  const links = traces.map(
    (trace) => `<li><a href="/mesh/traces/${trace.traceId}">${escapeHtml(`${trace.service}: ${trace.name}`)}</a>, ${formatDuration(trace.durationMs)}, ${trace.spanCount} spans</li>`,
  );
  return `<div id="order-trace"><p>its trace${traces.length === 1 ? "" : "s"}:</p><ul>${links.join("")}</ul><p><a href="${search}">every trace of its correlation ID</a></p></div>`;
}

export function orderPageHtml(order: OrderFacts, traces: TraceSummary[] | { problem: string }): string {
  const facts = [
    ["status", `<b>${escapeHtml(order.status)}</b>${order.rejectionReason ? `: ${escapeHtml(order.rejectionReason)}` : ""}`],
    ["customer", escapeHtml(order.customerId)],
    ["total", money(order.totalCents)],
    ["correlation ID", escapeHtml(order.correlationId)],
    ["placed", agoCell(order.createdAt)],
    ["last change", agoCell(order.updatedAt)],
  ];
  const lines = order.lines
    .map((line) => `<tr><td>${escapeHtml(line.name)}</td><td>${orDash(line.productId)}</td><td>${line.quantity}</td><td>${money(line.unitPriceCents)}</td></tr>`)
    .join("");
  const body = `<h2>Order <code>${escapeHtml(order.id)}</code></h2>
<table id="order">${facts.map(([name, value]) => `<tr><th>${name}</th><td>${value}</td></tr>`).join("")}</table>
<table id="lines"><tr><th>product</th><th>id</th><th>quantity</th><th>unit price</th></tr>${lines}</table>${traceLinks(order, traces)}`;
  return adminPage({ title: `order ${order.id}`, active: "order", body });
}
