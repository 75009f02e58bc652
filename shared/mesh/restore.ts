/**
 * `npm run mesh -- restore <worker> [--from FILE] [--force] [--json]`: puts a backup back in place of a
 * worker's database: the newest verified one, or FILE. A backup without a manifest, or whose
 * manifest says it was not verified, is refused unless `--force`, saying why. It verifies the
 * backup first (integrity, sha256 against its manifest), holds
 * the worker down in the running launcher (hold.ts) and stops it, keeps the current file (and its
 * WAL) aside under DATA_DIR/replaced/ (never deleted), swaps the backup in with a rename, releases
 * the worker, waits until it serves, and then runs the checker: what the rest of the mesh now
 * disagrees with is for the operator to repair through the workers' APIs.
 * With no mesh running it restores the file alone. Exit 0 once restored (whatever check finds).
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { databaseFileOf } from "../db/db";
import { backupsDirOf, listBackups, manifestFileOf, newestVerifiedBackup, readManifest, sha256Of } from "./backup-store";
import { checkMesh, resolveWorkerUrls } from "./check";
import { holdWorker, releaseWorker } from "./hold";
import type { CheckResult } from "./invariants";
import { readMeshSettings } from "./settings";
import { integrityOf, openSqliteFile } from "./sqlite-file";
import { isProcessAlive, readMeshState } from "./state";
import { answersReady } from "./supervisor";

export const summary = "swap a backup in for a worker's DB, restart it, and check the mesh (<worker> [--from FILE] [--force])";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Why `file` should not be restored without `--force`: no manifest (nothing vouches for what it
 * holds: a stray copy, or a backup cut short before its manifest was written), or a manifest that
 * says its verification failed. Empty when its manifest says it is verified.
 */
export function manifestObjections(file: string): string[] {
  const manifest = readManifest(file);
  if (!manifest) return [`it has no manifest (${manifestFileOf(file)}), so nothing says it is a complete, verified backup of this worker`];
  if (!manifest.verified) return [`its manifest says it was not verified (${manifest.problems.join("; ") || "no reason given"})`];
  return [];
}

async function verifyBackup(file: string): Promise<string[]> {
  const problems: string[] = [];
  const manifest = readManifest(file);
  if (manifest && sha256Of(file) !== manifest.sha256) problems.push("sha256 differs from its manifest");
  const db = await openSqliteFile(file, { readonly: true });
  try {
    const integrity = integrityOf(db);
    if (integrity !== "ok") problems.push(`integrity_check: ${integrity}`);
  } finally {
    db.close();
  }
  return problems;
}

/** Moves the live file and its WAL/SHM aside (a hard link first, so the path is never empty), then renames the backup in. */
function swapIn(live: string, backup: string, replacedDir: string, stamp: string): string {
  mkdirSync(replacedDir, { recursive: true });
  const aside = join(replacedDir, `${stamp}.db`);
  const incoming = `${live}.restoring`;
  copyFileSync(backup, incoming);
  if (existsSync(live)) linkSync(live, aside);
  for (const suffix of ["-wal", "-shm"]) if (existsSync(live + suffix)) renameSync(live + suffix, aside + suffix);
  renameSync(incoming, live);
  return aside;
}

/**
 * The backup to restore and whether it may be: `--from FILE`, or the newest verified backup of the
 * worker (`--force`: the newest of any). Without `--force`, one lacking a verified manifest is refused.
 */
async function chooseBackup(worker: string, dataDir: string, args: string[]): Promise<{ backup: string } | { refusal: string }> {
  const force = args.includes("--force");
  const fromIndex = args.indexOf("--from");
  const dir = join(backupsDirOf(dataDir), worker);
  const backup = fromIndex >= 0 ? args[fromIndex + 1] : force ? listBackups(dir)[0] : newestVerifiedBackup(dir);
  if (!backup || !existsSync(backup)) {
    const unverified = fromIndex < 0 && listBackups(dir).length > 0 ? ` (only unverified ones: name one with --from FILE --force to restore it anyway)` : "";
    return { refusal: `no ${fromIndex < 0 && !force ? "verified " : ""}backup of ${worker} ${backup ? `at ${backup}` : `under ${dir}`}${unverified}` };
  }
  const objections = force ? [] : manifestObjections(backup);
  if (objections.length > 0) return { refusal: `refusing ${backup}: ${objections.join("; ")}; nothing was changed (--force restores it anyway)` };
  const problems = await verifyBackup(backup);
  if (problems.length > 0) return { refusal: `${backup} is not a sound backup: ${problems.join("; ")}; nothing was changed` };
  return { backup };
}

export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const fromIndex = args.indexOf("--from");
  const worker = args.find((arg, index) => !arg.startsWith("--") && (fromIndex < 0 || index !== fromIndex + 1));
  if (!worker) {
    process.stderr.write("usage: npm run mesh -- restore <worker> [--from FILE] [--force] [--json]\n");
    return 2;
  }
  const { dataDir } = readMeshSettings(process.env);
  const chosen = await chooseBackup(worker, dataDir, args);
  if ("refusal" in chosen) {
    process.stderr.write(`restore: ${chosen.refusal}\n`);
    return 1;
  }
  const { backup } = chosen;

  const state = readMeshState(dataDir);
  const running = state && isProcessAlive(state.launcherPid) ? state.workers.find((candidate) => candidate.name === worker) : undefined;
  const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  const stamp = new Date().toISOString().replaceAll(":", "-").replace(".", "-");
  let aside: string;
  if (running) {
    holdWorker(dataDir, worker, `restore from ${backup}`);
    try {
      if (isProcessAlive(running.pid)) process.kill(running.pid!, "SIGTERM");
      await waitUntil(`${worker} (pid ${running.pid}) to stop`, () => !isProcessAlive(running.pid), 30_000);
      say(`${worker} stopped (pid ${running.pid})`);
      aside = swapIn(databaseFileOf(dataDir, worker), backup, join(dataDir, "replaced", worker), stamp);
    } finally {
      releaseWorker(dataDir, worker);
    }
    await waitUntil(
      `${worker} to serve again`,
      async () => {
        const now = readMeshState(dataDir)?.workers.find((candidate) => candidate.name === worker);
        return Boolean(now && now.pid !== running.pid && (await answersReady(now.url)));
      },
      60_000,
    );
    say(`${worker} restarted and ready`);
  } else {
    if (state && isProcessAlive(state.launcherPid)) say(`${worker} is not part of the running mesh; restoring its file only`);
    aside = swapIn(databaseFileOf(dataDir, worker), backup, join(dataDir, "replaced", worker), stamp);
  }
  say(`${worker} restored from ${backup}; the replaced file is kept at ${aside}`);

  let check: CheckResult | undefined;
  if (running) {
    check = await checkMesh(resolveWorkerUrls([], process.env));
    if (!json) {
      say(check.ok ? "check: the mesh agrees with the restored data" : `check: ${check.violations.length} disagreement(s) to repair through the APIs:`);
      for (const violation of check.violations) say(`  ✗ ${violation.rule} [${violation.worker}] ${violation.message} (expected ${violation.expected}, found ${violation.found})`);
    }
  } else {
    say("no mesh running: start it and run `npm run mesh -- check` to see what disagrees with the restored data");
  }
  if (json) process.stdout.write(`${JSON.stringify({ restored: { worker, from: backup, replacedKeptAt: aside }, check: check ?? null }, null, 2)}\n`);
  return 0;
}
