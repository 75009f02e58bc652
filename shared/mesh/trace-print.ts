/**
 * A trace as a waterfall in a terminal (`mesh trace`): a header line per trace, then one line per
 * span in tree order: the offset from the trace's start, its service, the span indented under its
 * parent with its hop, a bar on a common time axis and its duration; errors marked ✗ with their
 * message. Colours (service bars, red errors) only when asked, i.e. on a terminal.
 *
 * @example printTraceDetail(detail, { width: 100, colour: process.stdout.isTTY }).join("\n")
 */
import type { TraceDetail, TraceSpan } from "../../telemetry/trace-query";
import { formatDuration, traceExtentMs, waterfallRows, type Hop } from "../../telemetry/trace-view";

export interface PrintOptions {
  /** Characters per line (the terminal's width). */
  width: number;
  colour: boolean;
}

const hopTags: Record<Hop, string> = { http: "http", trpc: "trpc", db: "sql", publish: "pub", consume: "sub", saga: "saga", other: "span" };
/** ANSI colours for services, in the sorted order of their names (as the pages' palette). */
const ansi = [34, 33, 32, 31, 36, 93, 35, 95, 90, 37];

const paint = (on: boolean, code: number, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

function barOf(span: TraceSpan, origin: number, extent: number, columns: number): string {
  const from = extent > 0 ? Math.floor(((span.startMs - origin) / extent) * columns) : 0;
  const length = Math.max(1, Math.round(extent > 0 ? (span.durationMs / extent) * columns : columns));
  const start = Math.min(from, columns - 1);
  return " ".repeat(start) + "█".repeat(Math.min(length, columns - start)) + " ".repeat(Math.max(0, columns - start - length));
}

const fit = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

/** One trace's lines. */
function traceLines(traceId: string, spans: TraceSpan[], options: PrintOptions): string[] {
  const rows = waterfallRows(spans);
  const origin = rows[0]?.span.startMs ?? 0;
  const extent = traceExtentMs(spans);
  const services = [...new Set(spans.map((span) => span.service))].sort();
  const colourOf = (service: string) => ansi[services.indexOf(service) % ansi.length]!;
  const serviceWidth = Math.max(...services.map((service) => service.length));
  const labelWidth = Math.max(30, Math.min(64, Math.floor(options.width * 0.45)));
  const barWidth = Math.max(10, options.width - labelWidth - serviceWidth - 24);
  const errors = spans.filter((span) => span.status === "error").length;
  const head = `trace ${traceId}: ${spans.length} spans, ${services.length} services (${services.map((s) => paint(options.colour, colourOf(s), s)).join(", ")}), ${formatDuration(extent)}${errors ? `, ${paint(options.colour, 31, `${errors} error${errors === 1 ? "" : "s"}`)}` : ""}`;
  const lines = rows.map(({ span, depth, offsetMs, hop }) => {
    const failed = span.status === "error";
    const label = fit(`${" ".repeat(Math.min(depth, 16))}${failed ? "✗ " : ""}${hopTags[hop]} ${span.name}`, labelWidth);
    const service = paint(options.colour, colourOf(span.service), span.service.padEnd(serviceWidth));
    const bar = paint(options.colour, failed ? 31 : colourOf(span.service), barOf(span, origin, extent, barWidth));
    const offset = `+${formatDuration(offsetMs)}`.padStart(10);
    const why = failed && span.statusMessage ? `  ${paint(options.colour, 31, span.statusMessage)}` : "";
    return `${offset} ${service} ${failed ? paint(options.colour, 31, label) : label} ${bar} ${formatDuration(span.durationMs).padStart(9)}${why}`;
  });
  return [head, ...lines];
}

/** Every trace of the answer, the oldest first, a blank line between them. */
export function printTraceDetail(detail: TraceDetail, options: PrintOptions): string[] {
  const ordered = [...detail.traces].sort((a, b) => a.startMs - b.startMs);
  return ordered.flatMap((trace, index) => [
    ...(index > 0 ? [""] : []),
    ...traceLines(
      trace.traceId,
      detail.spans.filter((span) => span.traceId === trace.traceId),
      options,
    ),
  ]);
}
