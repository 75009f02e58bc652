/**
 * The launcher's state in `DATA_DIR/mesh.json`: its own pid and each worker's pid, URL and port,
 * rewritten on every (re)start and removed on a clean exit. `mesh status` and other helpers
 * find the running mesh through it.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface MeshWorkerState {
  name: string;
  pid: number | null;
  url: string;
  port: number;
}

export interface MeshState {
  launcherPid: number;
  startedAt: string;
  dataDir: string;
  /** `pid` is set when the launcher started nats-server itself. */
  nats: { url: string; mode: "external" | "launched" | "absent"; pid: number | null };
  workers: MeshWorkerState[];
  /** The telemetry process (trace store and metric series), when the launcher runs one. */
  telemetry?: MeshWorkerState & { traceStore: boolean };
}

export function meshStateFile(dataDir: string): string {
  return join(dataDir, "mesh.json");
}

export function readMeshState(dataDir: string): MeshState | undefined {
  const file = meshStateFile(dataDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as MeshState;
}

/** Written to a temporary file and renamed, so a reader never sees half a file. */
export function writeMeshState(state: MeshState): void {
  const file = meshStateFile(state.dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}

export function removeMeshState(dataDir: string): void {
  rmSync(meshStateFile(dataDir), { force: true });
}

export function isProcessAlive(pid: number | null | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
