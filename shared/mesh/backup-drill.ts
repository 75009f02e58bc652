/**
 * The restore drill: each worker's newest backup restored into a scratch directory, checked
 * against its manifest (sha256), booted through the worker's own migrations (openWorkerDatabase,
 * as the worker would at start), then checked again: integrity and row counts equal to the
 * manifest's. A backup nobody ever restored is a hope, not a backup.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWorkerDatabase } from "../db/db";
import { listBackups, readManifest, sha256Of } from "./backup-store";
import { appliedMigrations, integrityOf, openSqliteFile, rowCounts } from "./sqlite-file";

export interface DrillReport {
  worker: string;
  backup: string | null;
  ok: boolean;
  restoreMs: number;
  integrity: string;
  rowCountsMatch: boolean;
  /** Migrations the current code applied on top of the backup (a backup older than the code). */
  migrationsApplied: number;
  problems: string[];
}

export async function drillWorker(worker: string, backupsDir: string, scratchRoot = tmpdir()): Promise<DrillReport> {
  const [newest] = listBackups(join(backupsDir, worker));
  const report: DrillReport = { worker, backup: newest ?? null, ok: false, restoreMs: 0, integrity: "not checked", rowCountsMatch: false, migrationsApplied: 0, problems: [] };
  if (!newest) return { ...report, problems: [`no backup of ${worker} under ${join(backupsDir, worker)}`] };
  const manifest = readManifest(newest);
  if (!manifest) return { ...report, problems: [`${newest} has no manifest`] };

  const scratch = mkdtempSync(join(scratchRoot, `bunmesh-drill-${worker}-`));
  try {
    const started = performance.now();
    if (sha256Of(newest) !== manifest.sha256) report.problems.push("sha256 differs from the manifest: the file changed since it was taken");
    copyFileSync(newest, join(scratch, `${worker}.db`));
    const booted = await openWorkerDatabase({ worker, dataDir: scratch, schema: {} });
    booted.close();
    report.restoreMs = Math.round(performance.now() - started);

    const restored = await openSqliteFile(join(scratch, `${worker}.db`), { readonly: true });
    try {
      report.integrity = integrityOf(restored);
      report.migrationsApplied = appliedMigrations(restored).length - manifest.migrations.length;
      const counts = rowCounts(restored);
      const differing = Object.entries(manifest.rowCounts)
        .filter(([table]) => table !== "__drizzle_migrations")
        .filter(([table, rows]) => counts[table] !== rows)
        .map(([table, rows]) => `${table}: ${rows} in the manifest, ${counts[table] ?? "missing"} restored`);
      report.rowCountsMatch = differing.length === 0;
      report.problems.push(...differing);
    } finally {
      restored.close();
    }
    if (report.integrity !== "ok") report.problems.push(`integrity_check: ${report.integrity}`);
  } catch (error) {
    report.problems.push(`restore failed: ${(error as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  report.ok = report.problems.length === 0;
  return report;
}
