/**
 * One reading of the whole mesh at a moment: each worker's and nats-server's RSS and CPU, each
 * worker's database (file, WAL, rows per table), each stream's store, and the orders' latencies
 * and counts since the last reading.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { JetStreamManager } from "nats";
import type { LoadCounts } from "./load";
import { readProcess, type ProcessReading } from "./proc";
import { readDatabase, readStreams, type DatabaseReading, type StreamReading } from "./stores";

export interface Sample {
  atS: number;
  processes: Record<string, ProcessReading>;
  databases: Record<string, DatabaseReading>;
  streams: Record<string, StreamReading>;
  counts: LoadCounts;
  latency: { p50: number | null; p99: number | null; orders: number };
}

export interface SampleSources {
  dataDir: string;
  processes: { name: string; pid: number }[];
  jsm: JetStreamManager;
  startedAt: number;
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function takeSample(sources: SampleSources, load: { latenciesMs: number[]; counts: LoadCounts }): Promise<Sample> {
  const processes = Object.fromEntries(sources.processes.map((p) => [p.name, readProcess(p.pid)]));
  const databases: Record<string, DatabaseReading> = {};
  for (const { name } of sources.processes) {
    const file = join(sources.dataDir, `${name}.db`);
    if (existsSync(file)) databases[name] = readDatabase(file);
  }
  const latency = { p50: percentile(load.latenciesMs, 50), p99: percentile(load.latenciesMs, 99), orders: load.latenciesMs.length };
  return { atS: (performance.now() - sources.startedAt) / 1000, processes, databases, streams: await readStreams(sources.jsm), counts: load.counts, latency };
}
