/**
 * `npm run mesh -- status [--json]`: every worker on the bus, on every host (each answers
 * `$SRV.PING` with its URL, host and pid: status-discovery.ts), started by this launcher or by
 * hand, each probed at `/health/ready` for details; plus the workers of the local mesh in
 * `DATA_DIR/mesh.json` that the bus does not list (NATS down, or not registered yet). The bus is
 * the one in mesh.json, or NATS_URL when set. Exit 0 when every worker is ready, 1 otherwise (or
 * when none is found).
 */
import { backupHealthFrom, readBackupStatus } from "../db/backup-status";
import { readMeshSettings } from "./settings";
import { isProcessAlive, meshStateFile, readMeshState, type MeshState, type MeshWorkerState } from "./state";
import { operatorLoginOf, workersOnTheBus, type BusWorker } from "./status-discovery";

export const summary = "every worker on the bus (all hosts) and of the local mesh: host, pid, version, URL, readiness ([--json])";

export interface WorkerStatus {
  name: string;
  pid: number | null;
  url: string;
  ready: boolean;
  /** The host it runs on, its version and NATS service instance, when the bus listed it. */
  host?: string | null;
  version?: string;
  instance?: string;
  /** Whatever else `/health/ready` said (e.g. the outbox backlog). */
  details: Record<string, unknown>;
}

export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const { dataDir } = readMeshSettings(process.env);
  const state = readMeshState(dataDir);
  const local = state && isProcessAlive(state.launcherPid) ? state : undefined;
  const natsUrl = local?.nats.url ?? process.env["NATS_URL"];
  const onBus = natsUrl ? await workersOnTheBus({ natsUrl, ...operatorLoginOf(dataDir) }) : undefined;
  if (!local && (onBus ?? []).length === 0) {
    const why = !state ? `${meshStateFile(dataDir)} does not exist` : `the launcher (pid ${state.launcherPid}) in ${meshStateFile(dataDir)} is gone; it did not exit cleanly`;
    process.stderr.write(`no mesh is running: ${why}${natsUrl ? `, and no worker answers on NATS ${natsUrl}` : ""}\nstart one with: npm start   (DATA_DIR=${dataDir})\n`);
    if (json) process.stdout.write(`${JSON.stringify({ workers: [] })}\n`);
    return 1;
  }
  const workers = withBackups(await statusOf(onBus ?? [], local), dataDir);
  if (json) process.stdout.write(`${JSON.stringify({ workers }, null, 2)}\n`);
  else printTable(workers, local, natsUrl);
  return workers.every((worker) => worker.ready) ? 0 : 1;
}

/** The bus's workers, each probed; then the local mesh's workers the bus did not list (matched by pid). */
async function statusOf(onBus: BusWorker[], local: MeshState | undefined): Promise<WorkerStatus[]> {
  const found = await Promise.all(onBus.map(probeBusWorker));
  const listed = new Set(onBus.map((worker) => `${worker.name}:${worker.pid}`));
  const unlisted = (local?.workers ?? []).filter((worker) => !listed.has(`${worker.name}:${worker.pid}`));
  return [...found, ...(await Promise.all(unlisted.map(probeWorker)))];
}

async function probeBusWorker(worker: BusWorker): Promise<WorkerStatus> {
  const facts = { host: worker.host, version: worker.version, instance: worker.instance };
  if (!worker.url) return { name: worker.name, pid: worker.pid, url: "", ready: worker.ready ?? false, ...facts, details: { error: "registered no url" } };
  const probed = await probeUrl(worker.url);
  return { name: worker.name, pid: worker.pid, url: worker.url, ...facts, ready: probed.ready || worker.ready === true, details: probed.details };
}

/** A worker that answers reports its last backup itself; for one that does not, status reads the same record (a failed backup is seen while its worker is down). */
function withBackups(workers: WorkerStatus[], dataDir: string): WorkerStatus[] {
  const backups = readBackupStatus(dataDir);
  return workers.map((worker) =>
    worker.details["backup"] === undefined && backups[worker.name] ? { ...worker, details: { ...worker.details, backup: backupHealthFrom(backups[worker.name]) } } : worker,
  );
}

export async function probeWorker(worker: MeshWorkerState): Promise<WorkerStatus> {
  const status: WorkerStatus = { name: worker.name, pid: worker.pid, url: worker.url, ready: false, details: {} };
  if (!isProcessAlive(worker.pid)) return { ...status, details: { error: "process not running" } };
  return { ...status, ...(await probeUrl(worker.url)) };
}

/** `/health/ready` at `url`: ready when it answers 200, and what else it said. */
async function probeUrl(url: string): Promise<{ ready: boolean; details: Record<string, unknown> }> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    const { worker: _name, ready: _ready, ...details } = body;
    return { ready: response.status === 200, details };
  } catch (error) {
    return { ready: false, details: { error: (error as Error).message } };
  }
}

function printTable(workers: WorkerStatus[], local: MeshState | undefined, natsUrl: string | undefined): void {
  const rows = [
    ["worker", "host", "pid", "version", "url", "ready", "details"],
    ...workers.map((worker) => [
      worker.name,
      worker.host ?? "-",
      String(worker.pid ?? "-"),
      worker.version ?? "-",
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
  const head = local ? `launcher pid ${local.launcherPid}; NATS ${local.nats.url} (${local.nats.mode})` : `no launcher here; workers found on NATS ${natsUrl}`;
  process.stdout.write(`${head}\n${lines.join("\n")}\n`);
  for (const line of stuckCancellationLines(workers)) process.stdout.write(`${line}\n`);
}

/** orders' cancellations stuck past its CANCEL_STUCK_AFTER_MS (its `/health/ready` lists them), one line each with the reason. */
export function stuckCancellationLines(workers: WorkerStatus[]): string[] {
  const stuck = workers.flatMap((worker) => (Array.isArray(worker.details["cancelStuck"]) ? (worker.details["cancelStuck"] as { orderId: string; reason: string }[]) : []));
  return stuck.map((entry) => `CANCEL_STUCK order ${entry.orderId}: ${entry.reason}`);
}
