/**
 * The soak's results: `results.json` (every sample and verdict), an SVG per series and RESULTS.md
 * with a table per series, its plot, and each table's and stream's bound and verdict.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BoundVerdict } from "./bounds";
import { lineChart, type ChartSeries } from "./chart";
import type { Sample } from "./sample";

export interface SoakReport {
  command: string;
  settings: Record<string, unknown>;
  samples: Sample[];
  verdicts: BoundVerdict[];
  rssEnvelopeMb: Record<string, { idle: number; max: number; limit: number }>;
}

interface Figure {
  file: string;
  title: string;
  series: ChartSeries[];
}

function perName(samples: Sample[], names: string[], value: (s: Sample, prev: Sample | undefined, name: string) => number | null): ChartSeries[] {
  return names.map((name) => ({ name, points: samples.map((s, i) => [s.atS, value(s, samples[i - 1], name) ?? NaN] as [number, number]).filter((_, i) => i > 0) }));
}

/** CPU ms per order of a process over the interval ending at `s`. */
function cpuPerOrder(s: Sample, prev: Sample | undefined, name: string): number | null {
  const now = s.processes[name]?.cpuMs;
  const before = prev?.processes[name]?.cpuMs;
  const orders = s.counts.orders - (prev?.counts.orders ?? 0);
  return now == null || before == null || orders <= 0 ? null : (now - before) / orders;
}

export function figuresOf(samples: Sample[]): Figure[] {
  const last = samples[samples.length - 1]!;
  const processes = Object.keys(last.processes);
  const workers = Object.keys(last.databases);
  const figures: Figure[] = [
    { file: "rss.svg", title: "RSS (MB)", series: perName(samples, processes, (s, _, n) => s.processes[n]?.rssMb ?? null) },
    { file: "cpu-per-order.svg", title: "CPU per order in the interval (ms)", series: perName(samples, processes, cpuPerOrder) },
    { file: "db-size.svg", title: "database file + WAL (MB)", series: perName(samples, workers, (s, _, n) => (s.databases[n] ? s.databases[n]!.fileMb + s.databases[n]!.walMb : null)) },
    { file: "streams.svg", title: "JetStream store per stream (MB)", series: perName(samples, Object.keys(last.streams), (s, _, n) => (s.streams[n]?.bytes ?? 0) / 1024 ** 2) },
    {
      file: "latency.svg",
      title: "orders' latency in the interval (ms)",
      series: [
        { name: "p50", points: samples.slice(1).map((s) => [s.atS, s.latency.p50 ?? NaN]) },
        { name: "p99", points: samples.slice(1).map((s) => [s.atS, s.latency.p99 ?? NaN]) },
      ],
    },
  ];
  for (const worker of workers) {
    const tables = Object.keys(last.databases[worker]!.rows);
    figures.push({ file: `rows-${worker}.svg`, title: `${worker}: rows per table`, series: perName(samples, tables, (s, _, t) => s.databases[worker]?.rows[t] ?? null) });
  }
  return figures;
}

const cell = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : "–");

function table(figure: Figure): string {
  const times = figure.series[0]?.points.map(([t]) => t) ?? [];
  const head = `| min | ${figure.series.map((s) => s.name).join(" | ")} |\n|---|${figure.series.map(() => "---").join("|")}|`;
  const rows = times.map((t, i) => `| ${(t / 60).toFixed(1)} | ${figure.series.map((s) => cell(s.points[i]?.[1] ?? NaN)).join(" | ")} |`);
  return [head, ...rows].join("\n");
}

function verdictTable(verdicts: BoundVerdict[]): string {
  const rows = verdicts.map(
    (v) =>
      `| ${v.series} | ${v.kind} | ${v.retentionMs === null ? "kept" : `${(v.retentionMs / 1000).toFixed(0)} s`} | ${v.perOrder.toFixed(2)} | ${v.bound.toFixed(0)} | ${v.max} | ${v.last} | ${v.within ? "yes" : "**no**"} | ${v.reached ? (v.levelled ? "yes" : "**no**") : "not reached"} |`,
  );
  return ["| series | kind | retention | per order | bound | max | last | within | levelled off |", "|---|---|---|---|---|---|---|---|---|", ...rows].join("\n");
}

export function writeReport(dir: string, report: SoakReport): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "results.json"), JSON.stringify(report, null, 2));
  const sections = figuresOf(report.samples).map((figure) => {
    writeFileSync(join(dir, figure.file), lineChart(figure.title, figure.series));
    return `### ${figure.title}\n\n![${figure.title}](${figure.file})\n\n${table(figure)}\n`;
  });
  const rss = Object.entries(report.rssEnvelopeMb).map(([name, e]) => `| ${name} | ${e.idle.toFixed(0)} | ${e.max.toFixed(0)} | ${e.limit.toFixed(0)} |`);
  const md = [
    "# Soak results",
    "",
    `\`${report.command}\` — ${JSON.stringify(report.settings)}`,
    "",
    "## Bounds (rows, or bytes for streams)",
    "",
    verdictTable(report.verdicts),
    "",
    "## RSS envelope (MB)",
    "",
    "| process | idle | max | envelope |",
    "|---|---|---|---|",
    ...rss,
    "",
    "## Series",
    "",
    ...sections,
  ].join("\n");
  writeFileSync(join(dir, "RESULTS.md"), md);
}
