/**
 * `npm run soak -- --minutes N [--rate R] [--retention-scale S] [--every M] [--out DIR]`: the
 * soak (soak/run.ts), its results written to DIR (default a new temporary folder), its verdicts
 * printed. The default rate is half of the saturation rate in bench/results.json.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseSoakArgs } from "./args";
import { writeReport } from "./report";
import { runSoak } from "./run";

function halfSaturation(): number {
  const results = JSON.parse(readFileSync(resolve(import.meta.dirname, "../bench/results.json"), "utf8"));
  const figures: { label: string; values: { confirmedPerSec?: number } }[] = results.benches?.orders?.figures ?? [];
  const saturation = figures.find((f) => f.label === "untraced, saturation")?.values.confirmedPerSec;
  return saturation ? Math.round(saturation / 2) : 30;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseSoakArgs(process.argv.slice(2), halfSaturation());
  } catch (error) {
    console.error(`soak: ${(error as Error).message}`);
    return 2;
  }
  const out = args.out ?? mkdtempSync(join(tmpdir(), "bunmesh-soak-"));
  const report = await runSoak(args, (line) => console.log(line));
  writeReport(out, report);
  const outside = report.verdicts.filter((v) => !v.within).map((v) => v.series);
  const overRss = Object.entries(report.rssEnvelopeMb)
    .filter(([, e]) => e.max > e.limit)
    .map(([name]) => name);
  console.log(`soak: results in ${join(out, "RESULTS.md")}`);
  console.log(
    outside.length || overRss.length
      ? `soak: outside their bounds: ${[...outside, ...overRss.map((n) => `${n} RSS`)].join(", ")}`
      : "soak: every table and stream within its bound, every RSS within its envelope",
  );
  return outside.length || overRss.length ? 1 : 0;
}

process.exit(await main());
