/**
 * The telemetry process's environment (zod-checked; every bad variable named at once): where it
 * listens, its trace store's bounds, and whose `/metrics` it scrapes how often for how long.
 * The launcher sets PORT, HOST, DATA_DIR, SCRAPE_TARGETS and the mesh secret; the rest are the
 * operator's (see the README's Environment table).
 */
import { z } from "zod";
import { minimumSecretLength } from "../../core/secrets";
import { secretFile } from "../../core/config";
import { durationSetting } from "../../core/durations";

/** Where the launcher puts it: MESH_PORT_BASE + this (4110 by default), beside the workers' offsets. */
export const telemetryPortOffset = 10;

/** A duration setting (the kit's one notation and check). */
const interval = (fallback: string) => durationSetting(fallback);

const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** `users=http://127.0.0.1:4101,catalog=http://127.0.0.1:4102`: the workers to scrape. */
const scrapeTargets = z
  .string()
  .default("")
  .transform((value, context) => {
    const targets = value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [name, url] = entry.split(/=(.*)/s) as [string, string | undefined];
        return { name: name.trim(), url: (url ?? "").trim().replace(/\/+$/, "") };
      });
    const bad = targets.filter((target) => !/^[A-Za-z0-9_-]+$/.test(target.name) || !z.url({ protocol: /^https?$/ }).safeParse(target.url).success);
    if (bad.length === 0) return targets;
    context.addIssue({ code: "custom", message: `each entry must be name=http://host:port (bad: ${bad.map((t) => `${t.name}=${t.url}`).join(", ")})` });
    return z.NEVER;
  });

export const telemetryConfigSchema = z.object({
  DATA_DIR: z.string().min(1).default("./.data"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(4100 + telemetryPortOffset),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SQLITE_SYNCHRONOUS: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
  /** Most traces kept; the oldest go first. */
  TRACE_STORE_MAX_TRACES: count(10_000),
  /** Most spans kept over all traces (bounds the file: about 1 KB a span). */
  TRACE_STORE_MAX_SPANS: count(250_000),
  /** Traces older than this (since first received) go. */
  TRACE_STORE_MAX_AGE: interval("1h"),
  /** Traces removed per pruning transaction. */
  TRACE_STORE_PRUNE_BATCH: count(200),
  SCRAPE_TARGETS: scrapeTargets,
  /** How often every worker's /metrics is scraped, and how long the charts reach back. */
  SCRAPE_INTERVAL: interval("5s"),
  /** While no worker does anything and nobody reads the charts, the scrapes back off (doubling) up to this. */
  SCRAPE_IDLE_MAX: interval("60s"),
  SERIES_WINDOW: interval("1h"),
  /** Readers (the gateway, `mesh trace`) must bring a service token signed with this; neither: reads are open. */
  MESH_TOKEN_SECRET: z.string().min(minimumSecretLength).optional(),
  MESH_TOKEN_SECRET_FILE: secretFile("MESH_TOKEN_SECRET_FILE", { minimumBytes: minimumSecretLength }).optional(),
});

export type TelemetryConfig = z.output<typeof telemetryConfigSchema>;
