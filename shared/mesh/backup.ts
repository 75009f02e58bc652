/**
 * `npm run mesh -- backup [worker...] [--json] [--drill]`: an online, verified backup of each
 * worker's database (every worker with a DB file in DATA_DIR when none is named), while the mesh
 * keeps serving. BACKUP_COPY_DIR receives a copy; BACKUP_KEEP (default 10) newest are kept.
 * `--drill` instead restores every worker's newest backup into a scratch dir and reports whether
 * it boots and matches its manifest. Exit 0 when every backup (or drill) is verified, else 1.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { databaseFileOf } from "../db/db";
import { backupsDirOf, type BackupManifest } from "./backup-store";
import { drillWorker, type DrillReport } from "./backup-drill";
import { takeRecordedBackup } from "./backup-schedule";
import { readBackupSettings, workersWithDatabase } from "./backup-settings";
import { readMeshSettings } from "./settings";

export const summary = "verified online backup of each worker's DB ([worker...] [--json] [--drill])";

export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const named = args.filter((arg) => !arg.startsWith("--"));
  const { dataDir } = readMeshSettings(process.env);
  const settings = readBackupSettings(process.env);
  const known = workersWithDatabase();
  const unknown = named.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`backup: ${unknown.join(", ")} own no database (workers with one: ${known.join(", ")})\n`);
    return 2;
  }

  if (args.includes("--drill")) {
    const workers = named.length > 0 ? named : known.filter((worker) => existsSync(join(backupsDirOf(dataDir), worker)));
    const drills: DrillReport[] = [];
    for (const worker of workers) drills.push(await drillWorker(worker, backupsDirOf(dataDir)));
    if (json) process.stdout.write(`${JSON.stringify({ drills }, null, 2)}\n`);
    else printDrills(drills);
    return drills.length > 0 && drills.every((drill) => drill.ok) ? 0 : 1;
  }

  const workers = named.length > 0 ? named : known.filter((worker) => existsSync(databaseFileOf(dataDir, worker)));
  const manifests: BackupManifest[] = [];
  const failures: { worker: string; error: string }[] = [];
  for (const worker of workers) {
    try {
      manifests.push(await takeRecordedBackup(worker, dataDir, settings));
    } catch (error) {
      failures.push({ worker, error: (error as Error).message });
    }
  }
  if (json) {
    const backups = manifests.map(({ worker, file, bytes, verified, migration, sha256, problems }) => ({ worker, file, bytes, verified, migration, sha256, problems }));
    process.stdout.write(`${JSON.stringify({ backups, failures }, null, 2)}\n`);
  } else {
    for (const m of manifests) {
      const status = m.verified ? "verified" : `NOT VERIFIED: ${m.problems.join("; ")}`;
      process.stdout.write(`${m.worker.padEnd(10)} ${m.file}  ${m.bytes} bytes  migration ${m.migration}  ${m.tookMs} ms  ${status}\n`);
    }
    for (const failure of failures) process.stderr.write(`${failure.worker.padEnd(10)} FAILED: ${failure.error}\n`);
  }
  return failures.length === 0 && manifests.length > 0 && manifests.every((m) => m.verified) ? 0 : 1;
}

function printDrills(drills: DrillReport[]): void {
  if (drills.length === 0) process.stdout.write("no backups to drill: take one with npm run mesh -- backup\n");
  for (const drill of drills) {
    const verdict = drill.ok ? "ok" : `FAILED: ${drill.problems.join("; ")}`;
    process.stdout.write(
      `${drill.worker.padEnd(10)} restore ${drill.restoreMs} ms  integrity ${drill.integrity}  row counts ${drill.rowCountsMatch ? "match" : "DIFFER"}  ${verdict}\n`,
    );
  }
}
