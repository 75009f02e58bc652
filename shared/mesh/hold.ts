/**
 * Holding a worker down while the launcher runs: a file `DATA_DIR/holds/<worker>` tells the
 * launcher's supervisor not to restart that worker when it exits, until the file is gone. The
 * restore command holds a worker, stops it, swaps its database and releases it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function holdFileOf(dataDir: string, worker: string): string {
  return join(dataDir, "holds", worker);
}

export function holdWorker(dataDir: string, worker: string, why: string): void {
  mkdirSync(join(dataDir, "holds"), { recursive: true });
  writeFileSync(holdFileOf(dataDir, worker), `${JSON.stringify({ pid: process.pid, why, at: new Date().toISOString() })}\n`);
}

export function releaseWorker(dataDir: string, worker: string): void {
  rmSync(holdFileOf(dataDir, worker), { force: true });
}

export function isHeld(holdFile: string | undefined): boolean {
  return holdFile !== undefined && existsSync(holdFile);
}
