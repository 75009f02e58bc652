/**
 * The last backup outcome of each worker, in `DATA_DIR/backups/status.json`: written by whoever
 * takes a backup (the launcher's schedule, `mesh backup`), read by `mesh status` and by each
 * worker's `/health/ready`, so a failed, unverified or overdue backup is seen where operators
 * look (the failure table's "backup failure" row). It lives in the kit, not in shared/mesh/,
 * because workers read it too.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface BackupStatus {
  at: string;
  ok: boolean;
  file: string | null;
  error: string | null;
  /** The schedule's interval for this worker when one is set: a backup older than twice it is overdue. */
  intervalMs: number | null;
}

/** What `/health/ready` shows under `backup`. */
export type BackupHealth = { status: "none" } | { status: "ok" | "failed" | "overdue"; at: string; ageMs: number; file: string | null; error: string | null };

export function backupStatusFile(dataDir: string): string {
  return join(dataDir, "backups", "status.json");
}

export function readBackupStatus(dataDir: string): Record<string, BackupStatus> {
  const file = backupStatusFile(dataDir);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, BackupStatus>;
  } catch {
    // A torn or hand-edited file must not take /health/ready down with it.
    return {};
  }
}

/** Records one worker's outcome; the write is atomic (temp file + rename) so readers never see half. */
export function recordBackupStatus(dataDir: string, worker: string, status: BackupStatus): void {
  const file = backupStatusFile(dataDir);
  const all = { ...readBackupStatus(dataDir), [worker]: status };
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(temporary, file);
}

export function backupHealthOf(dataDir: string, worker: string, now = Date.now()): BackupHealth {
  return backupHealthFrom(readBackupStatus(dataDir)[worker], now);
}

/** The health of one worker's recorded outcome (from a `readBackupStatus` already in hand). */
export function backupHealthFrom(last: BackupStatus | undefined, now = Date.now()): BackupHealth {
  if (!last) return { status: "none" };
  const ageMs = Math.max(0, now - Date.parse(last.at));
  const overdue = last.intervalMs !== null && last.intervalMs !== undefined && ageMs > 2 * last.intervalMs;
  const status = !last.ok ? "failed" : overdue ? "overdue" : "ok";
  return { status, at: last.at, ageMs, file: last.file, error: last.error };
}
