/** Writes bench/results.json (everything) and bench/RESULTS.md (the same, readable). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchSettings } from "./context";
import type { BenchResult } from "./types";

export interface Machine {
  cores: number;
  cpu: string;
  memoryMb: number;
  bun: string;
  node: string;
  os: string;
  date: string;
  loadAverageAtStart: number[];
}

export interface Results {
  machine: Machine;
  mode: "full" | "quick";
  settings: Omit<BenchSettings, "quick">;
  command: string;
  benches: Record<string, BenchResult>;
  /** Profiles and causes of missed aims, kept across runs (written by hand after profiling). */
  findings?: string[];
}

const fmt = (v: unknown) => (typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString("en-US") : String(v)) : v === null || v === undefined ? "–" : String(v));

function conditionsText(c: Record<string, unknown>): string {
  return Object.entries(c)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

export function renderMarkdown(results: Results, findings: string): string {
  const m = results.machine;
  const lines = [
    "# bunmesh benchmark results",
    "",
    `Reproduce: \`${results.command}\` (mode: ${results.mode}). Every ratio below is taken with both sides in this one run, same load settings.`,
    "",
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryMb} MB memory, ${m.os}; Bun ${m.bun}, Node ${m.node}; ${m.date}; load average at start ${m.loadAverageAtStart.join(" / ")} (the machine is shared).`,
    "",
    "## Aims",
    "",
    "| bench | aim | value | met |",
    "|---|---|---|---|",
  ];
  for (const bench of Object.values(results.benches)) {
    if (bench.error) lines.push(`| ${bench.name} | – | – | error: ${bench.error} |`);
    for (const aim of bench.aims) lines.push(`| ${bench.name} | ${aim.aim} | ${fmt(aim.value)} | ${aim.met === null ? "–" : aim.met ? "yes" : "**no**"} |`);
  }
  for (const bench of Object.values(results.benches)) {
    lines.push("", `## ${bench.name}: ${bench.title}`, "", bench.measured, "");
    if (bench.error) lines.push(`Failed: ${bench.error}`, "");
    if (bench.figures.length > 0) {
      const keys = [...new Set(bench.figures.flatMap((f) => Object.keys(f.values)))];
      lines.push(`| figure | ${keys.join(" | ")} |`, `|---|${keys.map(() => "---").join("|")}|`);
      for (const f of bench.figures) lines.push(`| ${f.label} | ${keys.map((k) => fmt(f.values[k])).join(" | ")} |`);
      lines.push("", "Conditions:", "");
      for (const f of bench.figures) lines.push(`- ${f.label}: ${conditionsText(f.conditions)}`);
    }
    const ratios = Object.entries(bench.ratios).map(([k, v]) => `${k} = ${fmt(v)}`);
    if (ratios.length > 0) lines.push("", `Ratios: ${ratios.join("; ")}`);
    for (const note of bench.notes) lines.push("", `Note: ${note}`);
    if (bench.seconds !== undefined) lines.push("", `(bench took ${bench.seconds} s)`);
  }
  if (findings.trim()) lines.push("", findings.trim());
  return `${lines.join("\n")}\n`;
}

export function writeResults(dir: string, results: Results, findings: string): void {
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, "RESULTS.md"), renderMarkdown(results, findings));
}
