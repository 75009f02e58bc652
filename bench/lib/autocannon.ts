/**
 * Load from a separate process: autocannon (a devDependency) run under Node as a child process,
 * its `--json` answer boiled down to the figures the results file keeps. A warm-up run with the
 * same settings goes first and is thrown away, so both sides of a ratio start equally warm.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../../test/support/processes";
import { nodeBin } from "./node-bin";

export interface LoadSettings {
  connections: number;
  durationS: number;
  warmupS: number;
  /** Requests per second from all connections (autocannon -R); none = as fast as it goes. */
  overallRate?: number;
  method?: "GET" | "POST";
  body?: string;
  headers?: Record<string, string>;
}

export type LoadFigures = {
  requestsPerSec: number;
  requests: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  errors: number;
  non2xx: number;
};

/** The conditions a figure was taken under, written beside it in the results. */
export function conditionsOf(settings: LoadSettings, payload: string) {
  return {
    tool: "autocannon 8 (separate Node process; latencies in whole ms)",
    connections: settings.connections,
    durationS: settings.durationS,
    warmupS: settings.warmupS,
    ...(settings.overallRate ? { overallRate: settings.overallRate } : {}),
    payload,
  };
}

function argsOf(url: string, settings: LoadSettings, durationS: number): string[] {
  const args = [join(repoRoot, "node_modules/autocannon/autocannon.js"), "-c", String(settings.connections), "-d", String(durationS), "-j", "-n"];
  if (settings.overallRate) args.push("-R", String(Math.max(1, Math.round(settings.overallRate))));
  if (settings.method) args.push("-m", settings.method);
  if (settings.body !== undefined) args.push("-b", settings.body);
  for (const [key, value] of Object.entries(settings.headers ?? {})) args.push("-H", `${key}=${value}`);
  args.push(url);
  return args;
}

function runOnce(url: string, settings: LoadSettings, durationS: number): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBin(), argsOf(url, settings, durationS), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`autocannon exited ${code} without JSON: ${err.slice(-500)}`));
      }
    });
  });
}

/** Warm-up (discarded), then the measured run. */
export async function autocannon(url: string, settings: LoadSettings): Promise<LoadFigures> {
  if (settings.warmupS > 0) await runOnce(url, settings, settings.warmupS);
  const r = await runOnce(url, settings, settings.durationS);
  const requests = Number(r.requests?.total ?? 0);
  const seconds = Number(r.duration ?? settings.durationS) || settings.durationS;
  return {
    requestsPerSec: round(requests / seconds),
    requests,
    p50Ms: Number(r.latency?.p50 ?? NaN),
    p90Ms: Number(r.latency?.p90 ?? NaN),
    p99Ms: Number(r.latency?.p99 ?? NaN),
    meanMs: round(Number(r.latency?.mean ?? r.latency?.average ?? NaN), 2),
    maxMs: Number(r.latency?.max ?? NaN),
    errors: Number(r.errors ?? 0) + Number(r.timeouts ?? 0),
    non2xx: Number(r.non2xx ?? 0),
  };
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function ratio(a: number, b: number): number {
  return b > 0 ? round(a / b, 3) : NaN;
}
