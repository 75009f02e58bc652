/**
 * `npm run bench [-- <name>...] [--quick] [--out <dir>]`: runs the benches (all, or the named
 * ones) one after another on this machine and writes `results.json` and `RESULTS.md` to
 * `bench/` (or `--out`). `--quick` is the smoke mode the tests run: same code, 1 s runs, written
 * to a new temporary folder unless `--out` says where: never over the committed results.
 * Naming benches updates their entries and keeps the others from the previous results file;
 * `--render` only rewrites RESULTS.md (with bench/FINDINGS.md) from results.json.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from "node:os";
import { join, resolve } from "node:path";
import { repoRoot } from "../test/support/processes";
import { createBenchContext, type BenchSettings } from "./lib/context";
import { nodeBin } from "./lib/node-bin";
import { writeResults, type Machine, type Results } from "./lib/report";
import type { Bench, BenchResult } from "./lib/types";
import { trpcBench } from "./benches/trpc";
import { hopBench } from "./benches/hop";
import { relayBench } from "./benches/relay";
import { ordersBench } from "./benches/orders";
import { peerBench } from "./benches/peer";
import { startupBench } from "./benches/startup";
import { readWaitBench } from "./benches/read-wait";

export const benches: Bench[] = [trpcBench, hopBench, relayBench, ordersBench, peerBench, startupBench, readWaitBench];

function parseArgs(argv: string[]) {
  const names: string[] = [];
  let quick = false;
  let render = false;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") quick = true;
    else if (arg === "--render") render = true;
    else if (arg === "--out") out = resolve(argv[++i] ?? ".");
    else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  const unknown = names.filter((name) => !benches.some((b) => b.name === name));
  if (unknown.length > 0) throw new Error(`unknown bench ${unknown.join(", ")}; benches: ${benches.map((b) => b.name).join(", ")}`);
  // The smoke run's figures are not results: they go to a temporary folder, never over bench/'s.
  out ??= quick ? mkdtempSync(join(tmpdir(), "bunmesh-bench-quick-")) : join(repoRoot, "bench");
  return { names, quick, out, render };
}

function machine(): Machine {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    bun: Bun.version,
    node: execFileSync(nodeBin(), ["--version"]).toString().trim(),
    os: `${osType()} ${release()}`,
    date: new Date().toISOString(),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const { names, quick, out, render } = parseArgs(process.argv.slice(2));
const settings: BenchSettings = quick ? { quick, connections: 32, durationS: 1, warmupS: 1 } : { quick, connections: 32, durationS: 10, warmupS: 2 };
const selected = names.length > 0 ? benches.filter((b) => names.includes(b.name)) : benches;
mkdirSync(out, { recursive: true });

const previousFile = join(out, "results.json");
const previous: Results | undefined = names.length > 0 && !render && existsSync(previousFile) ? (JSON.parse(readFileSync(previousFile, "utf8")) as Results) : undefined;
const results: Results = {
  machine: machine(),
  mode: quick ? "quick" : "full",
  settings: { connections: settings.connections, durationS: settings.durationS, warmupS: settings.warmupS },
  command: `npm run bench${quick ? " -- --quick" : ""}`,
  benches: previous?.mode === (quick ? "quick" : "full") ? previous.benches : {},
};
const findingsFile = join(repoRoot, "bench", "FINDINGS.md");
const findings = !quick && existsSync(findingsFile) ? readFileSync(findingsFile, "utf8") : "";

// --render: rewrite RESULTS.md from results.json and FINDINGS.md, measuring nothing.
if (render) {
  const kept = JSON.parse(readFileSync(previousFile, "utf8")) as Results;
  writeResults(out, kept, kept.mode === "full" && existsSync(findingsFile) ? readFileSync(findingsFile, "utf8") : "");
  process.exit(0);
}

const ctx = createBenchContext(settings);
const stopOnSignal = () => void ctx.close().then(() => process.exit(130));
process.on("SIGINT", stopOnSignal);
process.on("SIGTERM", stopOnSignal);

const startedAt = Date.now();
try {
  for (const bench of selected) {
    const began = Date.now();
    process.stdout.write(`bench ${bench.name}: ${bench.title}\n`);
    let result: BenchResult;
    try {
      result = await bench.run(ctx);
    } catch (error) {
      result = { name: bench.name, title: bench.title, measured: "", figures: [], ratios: {}, aims: [], notes: [], error: String((error as Error)?.stack ?? error) };
      process.stdout.write(`  failed: ${result.error}\n`);
    }
    result.seconds = Math.round((Date.now() - began) / 1000);
    results.benches[bench.name] = result;
    for (const aim of result.aims) process.stdout.write(`  ${aim.aim}: ${aim.value} ${aim.met ? "met" : "MISSED"}\n`);
    // Written after every bench, so a stopped run keeps what it measured.
    writeResults(out, results, findings);
  }
} finally {
  await ctx.close();
}
process.stdout.write(`benches done in ${Math.round((Date.now() - startedAt) / 1000)} s; results in ${out}/results.json and RESULTS.md\n`);
process.exit(Object.values(results.benches).some((b) => b.error) ? 1 : 0);
