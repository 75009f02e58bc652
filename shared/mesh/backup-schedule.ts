/**
 * Scheduled backups in the launcher: every worker with a database is backed up each
 * BACKUP_INTERVAL (e.g. `15m`), or its own BACKUP_INTERVAL_<WORKER> (a different RPO per worker:
 * `BACKUP_INTERVAL_PAYMENTS=5m`). Unset means no schedule. The last outcome per worker is kept in
 * DATA_DIR/backups/status.json, which `mesh status` shows: a failed or unverified backup is seen.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { databaseFileOf } from "../db";
import { backupsDirOf, takeBackup } from "./backup-store";
import { readBackupSettings, workersWithDatabase } from "./backup";
import type { MeshOutput } from "./output";

export interface BackupStatus {
  at: string;
  ok: boolean;
  file: string | null;
  error: string | null;
}

/** `90s`, `15m`, `1h` or plain milliseconds. */
export function parseInterval(value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new Error(`not an interval: ${JSON.stringify(value)} (use e.g. 30s, 15m, 1h)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? "ms") as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

export function backupIntervals(env: Record<string, string | undefined>, workers: string[]): Map<string, number> {
  const intervals = new Map<string, number>();
  for (const worker of workers) {
    const value = env[`BACKUP_INTERVAL_${worker.toUpperCase()}`] ?? env["BACKUP_INTERVAL"];
    if (value) intervals.set(worker, parseInterval(value));
  }
  return intervals;
}

export function backupStatusFile(dataDir: string): string {
  return join(backupsDirOf(dataDir), "status.json");
}

export function readBackupStatus(dataDir: string): Record<string, BackupStatus> {
  const file = backupStatusFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, BackupStatus>) : {};
}

function recordStatus(dataDir: string, worker: string, status: BackupStatus): void {
  const all = { ...readBackupStatus(dataDir), [worker]: status };
  mkdirSync(backupsDirOf(dataDir), { recursive: true });
  const temporary = `${backupStatusFile(dataDir)}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(temporary, backupStatusFile(dataDir));
}

/** Starts one timer per scheduled worker; returns a stop function. */
export function startBackupSchedule(dataDir: string, env: Record<string, string | undefined>, output: MeshOutput): () => void {
  const settings = readBackupSettings(env);
  const intervals = backupIntervals(env, workersWithDatabase());
  const timers = [...intervals].map(([worker, intervalMs]) =>
    setInterval(async () => {
      if (!existsSync(databaseFileOf(dataDir, worker))) return;
      const at = new Date().toISOString();
      try {
        const manifest = await takeBackup({ worker, dataDir, keep: settings.keep, copyDir: settings.copyDir });
        recordStatus(dataDir, worker, { at, ok: manifest.verified, file: manifest.file, error: manifest.verified ? null : manifest.problems.join("; ") });
        if (!manifest.verified) output.warn("mesh", `backup of ${worker} NOT VERIFIED: ${manifest.problems.join("; ")}`);
      } catch (error) {
        recordStatus(dataDir, worker, { at, ok: false, file: null, error: (error as Error).message });
        output.warn("mesh", `backup of ${worker} FAILED: ${(error as Error).message}`);
      }
    }, intervalMs),
  );
  if (intervals.size > 0) {
    output.say("mesh", `backups scheduled: ${[...intervals].map(([worker, ms]) => `${worker} every ${ms / 1000}s`).join(", ")}`);
  }
  return () => timers.forEach(clearInterval);
}
