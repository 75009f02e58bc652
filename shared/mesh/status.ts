/**
 * `npm run mesh -- status [--json]`: the running mesh as its launcher recorded it in
 * `DATA_DIR/mesh.json`, each worker probed at `/health/ready`. Exit 0 when every worker is
 * ready, 1 otherwise (or when no mesh is running).
 */
import { backupHealthFrom, readBackupStatus } from "../backup-status";
import { readMeshSettings } from "./settings";
import { isProcessAlive, meshStateFile, readMeshState, type MeshWorkerState } from "./state";

export const summary = "each worker's pid, URL and readiness ([--json])";

export interface WorkerStatus {
  name: string;
  pid: number | null;
  url: string;
  ready: boolean;
  /** Whatever else `/health/ready` said (e.g. the outbox backlog). */
  details: Record<string, unknown>;
}

export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const { dataDir } = readMeshSettings(process.env);
  const state = readMeshState(dataDir);
  const notRunning = (why: string) => {
    process.stderr.write(`no mesh is running: ${why}\nstart one with: npm start   (DATA_DIR=${dataDir})\n`);
    if (json) process.stdout.write(`${JSON.stringify({ workers: [] })}\n`);
    return 1;
  };
  if (!state) return notRunning(`${meshStateFile(dataDir)} does not exist`);
  if (!isProcessAlive(state.launcherPid)) {
    return notRunning(`the launcher (pid ${state.launcherPid}) in ${meshStateFile(dataDir)} is gone; it did not exit cleanly`);
  }

  // A worker that answers reports its last backup itself; for one that does not, status reads
  // the same record, so a failed backup is seen even while its worker is down.
  const backups = readBackupStatus(dataDir);
  const workers = (await Promise.all(state.workers.map(probeWorker))).map((worker) =>
    worker.details["backup"] === undefined && backups[worker.name] ? { ...worker, details: { ...worker.details, backup: backupHealthFrom(backups[worker.name]) } } : worker,
  );
  if (json) process.stdout.write(`${JSON.stringify({ workers }, null, 2)}\n`);
  else printTable(workers, state.launcherPid, state.nats);
  return workers.every((worker) => worker.ready) ? 0 : 1;
}

export async function probeWorker(worker: MeshWorkerState): Promise<WorkerStatus> {
  const status: WorkerStatus = { name: worker.name, pid: worker.pid, url: worker.url, ready: false, details: {} };
  if (!isProcessAlive(worker.pid)) return { ...status, details: { error: "process not running" } };
  try {
    const response = await fetch(`${worker.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    const { worker: _name, ready: _ready, ...details } = body;
    return { ...status, ready: response.status === 200, details };
  } catch (error) {
    return { ...status, details: { error: (error as Error).message } };
  }
}

function printTable(workers: WorkerStatus[], launcherPid: number, nats: { url: string; mode: string }): void {
  const rows = [
    ["worker", "pid", "url", "ready", "details"],
    ...workers.map((worker) => [
      worker.name,
      String(worker.pid ?? "-"),
      worker.url,
      worker.ready ? "yes" : "NO",
      Object.entries(worker.details)
        .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
        .join(" "),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join("  ")
      .trimEnd(),
  );
  process.stdout.write(`launcher pid ${launcherPid}; NATS ${nats.url} (${nats.mode})\n${lines.join("\n")}\n`);
  for (const line of stuckCancellationLines(workers)) process.stdout.write(`${line}\n`);
}

/** orders' cancellations stuck past its CANCEL_STUCK_AFTER_MS (its `/health/ready` lists them), one line each with the reason. */
export function stuckCancellationLines(workers: WorkerStatus[]): string[] {
  const stuck = workers.flatMap((worker) => (Array.isArray(worker.details["cancelStuck"]) ? (worker.details["cancelStuck"] as { orderId: string; reason: string }[]) : []));
  return stuck.map((entry) => `CANCEL_STUCK order ${entry.orderId}: ${entry.reason}`);
}
