/**
 * Backup settings from the launcher's env: BACKUP_KEEP (newest N kept, default 10),
 * BACKUP_COPY_DIR (a second place, standing in for another region), and the schedule:
 * BACKUP_INTERVAL for every worker or BACKUP_INTERVAL_<WORKER> for one (its own RPO).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseConfig } from "../core/config";
import { durationValue } from "../core/durations";
import { repoRoot } from "./settings";

/** An interval variable: unset or empty is no schedule; anything else must be a positive interval. */
const interval = z.preprocess((value) => (value === "" ? undefined : value), durationValue().optional());

const intervalVariable = (worker: string) => `BACKUP_INTERVAL_${worker.toUpperCase()}`;

/** Every backup variable, each bad one named in one ConfigError (a BACKUP_INTERVAL_<X> for a worker without a DB too). */
function backupEnvSchema(env: Record<string, string | undefined>, workers: string[]) {
  const known = new Set(workers.map(intervalVariable));
  const unknown = Object.keys(env).filter((key) => key.startsWith("BACKUP_INTERVAL_") && !known.has(key));
  const noSuchWorker = (name: string) =>
    z.unknown().refine(() => false, `no worker with a database is called ${name.slice("BACKUP_INTERVAL_".length).toLowerCase()} (workers with one: ${workers.join(", ")})`);
  return z.object({
    BACKUP_KEEP: z.coerce.number().int().min(1).default(10),
    BACKUP_COPY_DIR: z.string().min(1).optional(),
    BACKUP_INTERVAL: interval,
    ...Object.fromEntries([...known].map((name) => [name, interval])),
    ...Object.fromEntries(unknown.map((name) => [name, noSuchWorker(name)])),
  });
}

export interface BackupSettings {
  keep: number;
  copyDir: string | undefined;
  /** The schedule per worker, in ms; a worker without an entry has none. */
  intervals: Map<string, number>;
}

/** Throws a ConfigError naming every bad backup variable. */
export function readBackupSettings(env: Record<string, string | undefined>, workers = workersWithDatabase()): BackupSettings {
  const parsed = parseConfig(backupEnvSchema(env, workers), env) as Record<string, unknown> & { BACKUP_KEEP: number; BACKUP_COPY_DIR?: string };
  const intervals = new Map<string, number>();
  for (const worker of workers) {
    const ms = (parsed[intervalVariable(worker)] ?? parsed["BACKUP_INTERVAL"]) as number | undefined;
    if (ms !== undefined) intervals.set(worker, ms);
  }
  return { keep: parsed.BACKUP_KEEP, copyDir: parsed.BACKUP_COPY_DIR, intervals };
}

/**
 * Workers that own a database: a migrations folder in the repo and a folder under workers/ (the
 * telemetry process's trace store has migrations too, but recent traces are not worth a backup).
 */
export function workersWithDatabase(): string[] {
  const dir = join(repoRoot, "migrations");
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(repoRoot, "workers", entry.name)))
        .map((entry) => entry.name)
        .sort()
    : [];
}
