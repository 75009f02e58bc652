/**
 * Scheduled backups in the launcher: every worker with a database is backed up each
 * BACKUP_INTERVAL (e.g. `15m`), or its own BACKUP_INTERVAL_<WORKER> (a different RPO per worker:
 * `BACKUP_INTERVAL_PAYMENTS=5m`). Unset means no schedule. Every backup, scheduled or taken by
 * `mesh backup`, records its outcome in DATA_DIR/backups/status.json (shared/db/backup-status.ts),
 * which `mesh status` and each worker's `/health/ready` show: a failed, unverified or overdue
 * backup is seen.
 */
import { existsSync } from "node:fs";
import { databaseFileOf } from "../db/db";
import { recordBackupStatus } from "../db/backup-status";
import { takeBackup, type BackupManifest } from "./backup-store";
import type { BackupSettings } from "./backup-settings";
import type { MeshOutput } from "./output";

/** Takes one verified backup and records its outcome (also when it throws). */
export async function takeRecordedBackup(worker: string, dataDir: string, settings: BackupSettings): Promise<BackupManifest> {
  const at = new Date().toISOString();
  const intervalMs = settings.intervals.get(worker) ?? null;
  try {
    const manifest = await takeBackup({ worker, dataDir, keep: settings.keep, copyDir: settings.copyDir });
    const error = manifest.verified ? null : `not verified: ${manifest.problems.join("; ")}`;
    recordBackupStatus(dataDir, worker, { at, ok: manifest.verified, file: manifest.file, error, intervalMs });
    return manifest;
  } catch (error) {
    recordBackupStatus(dataDir, worker, { at, ok: false, file: null, error: (error as Error).message, intervalMs });
    throw error;
  }
}

/** Starts one timer per scheduled worker (settings from readBackupSettings, read before anything starts); returns a stop function. */
export function startBackupSchedule(dataDir: string, settings: BackupSettings, output: MeshOutput): () => void {
  const timers = [...settings.intervals].map(([worker, intervalMs]) =>
    setInterval(async () => {
      if (!existsSync(databaseFileOf(dataDir, worker))) return;
      try {
        const manifest = await takeRecordedBackup(worker, dataDir, settings);
        if (!manifest.verified) output.warn("mesh", `backup of ${worker} NOT VERIFIED: ${manifest.problems.join("; ")}`);
      } catch (error) {
        output.warn("mesh", `backup of ${worker} FAILED: ${(error as Error).message}`);
      }
    }, intervalMs),
  );
  if (settings.intervals.size > 0) {
    output.say("mesh", `backups scheduled: ${[...settings.intervals].map(([worker, ms]) => `${worker} every ${ms / 1000}s`).join(", ")}`);
  }
  return () => timers.forEach(clearInterval);
}
