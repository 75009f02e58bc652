/**
 * Backup settings from the launcher's env: BACKUP_KEEP (newest N kept, default 10),
 * BACKUP_COPY_DIR (a second place, standing in for another region), and the schedule:
 * BACKUP_INTERVAL for every worker or BACKUP_INTERVAL_<WORKER> for one (its own RPO).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseConfig } from "../config";
import { repoRoot } from "./settings";

/** `90s`, `15m`, `1h` or plain milliseconds. */
export function parseInterval(value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new Error(`not an interval: ${JSON.stringify(value)} (use e.g. 30s, 15m, 1h)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? "ms") as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

const backupEnvSchema = z.object({
  BACKUP_KEEP: z.coerce.number().int().min(1).default(10),
  BACKUP_COPY_DIR: z.string().min(1).optional(),
});

export interface BackupSettings {
  keep: number;
  copyDir: string | undefined;
  /** The schedule per worker, in ms; a worker without an entry has none. */
  intervals: Map<string, number>;
}

export function readBackupSettings(env: Record<string, string | undefined>): BackupSettings {
  const parsed = parseConfig(backupEnvSchema, env);
  return { keep: parsed.BACKUP_KEEP, copyDir: parsed.BACKUP_COPY_DIR, intervals: backupIntervals(env, workersWithDatabase()) };
}

export function backupIntervals(env: Record<string, string | undefined>, workers: string[]): Map<string, number> {
  const intervals = new Map<string, number>();
  for (const worker of workers) {
    const name = `BACKUP_INTERVAL_${worker.toUpperCase()}`;
    const value = env[name] ?? env["BACKUP_INTERVAL"];
    if (!value) continue;
    try {
      intervals.set(worker, parseInterval(value));
    } catch (error) {
      throw new Error(`${env[name] ? name : "BACKUP_INTERVAL"}: ${(error as Error).message}`);
    }
  }
  return intervals;
}

/** Workers that own a database: a migrations folder in the repo. */
export function workersWithDatabase(): string[] {
  const dir = join(repoRoot, "migrations");
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort() : [];
}
