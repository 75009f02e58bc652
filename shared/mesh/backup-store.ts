/**
 * Online backups of one worker's SQLite file while it serves: `VACUUM INTO` from a read-only
 * connection (WAL lets it read a consistent snapshot without blocking the worker's writes),
 * then a manifest beside it and a verification of the copy (integrity check, same migrations as
 * the live file). Backups live under `DATA_DIR/backups/<worker>/<timestamp>.db` (+ `.json`);
 * BACKUP_KEEP counts verified backups only, so pruning never loses the last good one.
 *
 * @example const record = await takeBackup({ worker: "payments", dataDir, keep: 10 });
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { databaseFileOf } from "../db/db";
import { appliedMigrations, integrityOf, migrationTagOf, openSqliteFile, rowCounts, type AppliedMigration } from "./sqlite-file";

export interface BackupManifest {
  worker: string;
  file: string;
  takenAt: string;
  bytes: number;
  sha256: string;
  /** Tag of the last applied migration: the schema version of the copy. */
  migration: string | null;
  migrations: AppliedMigration[];
  rowCounts: Record<string, number>;
  integrity: string;
  verified: boolean;
  /** Why it is not verified; empty when it is. */
  problems: string[];
  tookMs: number;
}

export interface BackupOptions {
  worker: string;
  dataDir: string;
  /** Defaults to DATA_DIR/backups. */
  backupDir?: string;
  /** A second place that receives a copy (standing in for another region). */
  copyDir?: string;
  /** Keep only the newest N backups of this worker (in both places). */
  keep?: number;
  now?: Date;
}

export function backupsDirOf(dataDir: string): string {
  return join(dataDir, "backups");
}

export function sha256Of(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** A name that sorts by time and never collides with an earlier backup of the same worker. */
function freshName(dir: string, at: Date): string {
  const stamp = at.toISOString().replaceAll(":", "-").replace(".", "-");
  for (let n = 0; ; n++) {
    const name = n === 0 ? `${stamp}.db` : `${stamp}_${n}.db`; // "_" sorts after ".": newer last
    if (!existsSync(join(dir, name))) return name;
  }
}

export async function takeBackup(options: BackupOptions): Promise<BackupManifest> {
  const started = performance.now();
  const live = databaseFileOf(options.dataDir, options.worker);
  if (!existsSync(live)) throw new Error(`${options.worker} has no database at ${live}`);
  const dir = join(options.backupDir ?? backupsDirOf(options.dataDir), options.worker);
  mkdirSync(dir, { recursive: true });
  const takenAt = options.now ?? new Date();
  const file = join(dir, freshName(dir, takenAt));
  const partial = `${file}.partial`;

  const source = await openSqliteFile(live, { readonly: true });
  let liveMigrations: AppliedMigration[] = [];
  try {
    // VACUUM INTO cannot share a read transaction with another query, so the live migrations
    // are read before and after it: if they moved (the worker was migrating at start-up, or a
    // new release started), the copy is taken again rather than compared with the wrong one.
    for (let attempt = 1; ; attempt++) {
      const before = JSON.stringify(appliedMigrations(source));
      rmSync(partial, { force: true });
      source.exec(`VACUUM INTO '${partial.replaceAll("'", "''")}'`);
      liveMigrations = appliedMigrations(source);
      if (JSON.stringify(liveMigrations) === before || attempt === 3) break;
    }
  } finally {
    source.close();
  }
  renameSync(partial, file);

  const copy = await openSqliteFile(file, { readonly: true });
  let manifest: BackupManifest;
  try {
    const integrity = integrityOf(copy);
    const migrations = appliedMigrations(copy);
    const problems: string[] = [];
    if (integrity !== "ok") problems.push(`integrity_check: ${integrity}`);
    if (JSON.stringify(migrations) !== JSON.stringify(liveMigrations)) {
      problems.push(`migrations differ from the live file (${migrations.length} in the copy, ${liveMigrations.length} live)`);
    }
    manifest = {
      worker: options.worker,
      file,
      takenAt: takenAt.toISOString(),
      bytes: statSync(file).size,
      sha256: sha256Of(file),
      migration: migrationTagOf(options.worker, migrations),
      migrations,
      rowCounts: rowCounts(copy),
      integrity,
      verified: problems.length === 0,
      problems,
      tookMs: 0,
    };
  } finally {
    copy.close();
  }
  manifest.tookMs = Math.round(performance.now() - started);
  writeFileSync(manifestFileOf(file), `${JSON.stringify(manifest, null, 2)}\n`);

  if (options.copyDir) {
    const copyDir = join(options.copyDir, options.worker);
    mkdirSync(copyDir, { recursive: true });
    copyFileSync(file, join(copyDir, basename(file)));
    copyFileSync(manifestFileOf(file), join(copyDir, basename(manifestFileOf(file))));
    if (options.keep) pruneBackups(copyDir, options.keep);
  }
  if (options.keep) pruneBackups(dir, options.keep);
  return manifest;
}

export function manifestFileOf(backupFile: string): string {
  return backupFile.replace(/\.db$/, ".json");
}

/** This worker's backups in `dir`, newest first. */
export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".db"))
    .sort()
    .reverse()
    .map((name) => join(dir, name));
}

export function readManifest(backupFile: string): BackupManifest | undefined {
  const file = manifestFileOf(backupFile);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as BackupManifest;
  } catch {
    return undefined; // a torn or edited manifest vouches for nothing
  }
}

/** True when the backup has a manifest that says it was verified. */
export function isVerifiedBackup(backupFile: string): boolean {
  return readManifest(backupFile)?.verified === true;
}

/** The newest backup in `dir` whose manifest says it was verified. */
export function newestVerifiedBackup(dir: string): string | undefined {
  return listBackups(dir).find(isVerifiedBackup);
}

/**
 * Deletes old backups (and their manifests) in `dir`: the newest `keep` verified ones are kept,
 * whatever came after them, so a run of failed or unverified backups never pushes out the last
 * good one; an unverified backup is kept only while it is among the newest `keep` overall (for
 * the operator to look at). Returns the deleted files.
 */
export function pruneBackups(dir: string, keep: number): string[] {
  const all = listBackups(dir);
  const verified = new Set(all.filter(isVerifiedBackup));
  const kept = new Set([...[...verified].slice(0, keep), ...all.slice(0, keep).filter((file) => !verified.has(file))]);
  const old = all.filter((file) => !kept.has(file));
  for (const file of old) {
    rmSync(file, { force: true });
    rmSync(manifestFileOf(file), { force: true });
  }
  return old;
}
