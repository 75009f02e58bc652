/**
 * Row counts of every table in every worker's SQLite file, read from outside the system through a
 * read-only connection (the test only looks), and a wait until the mesh is quiet: nothing left in
 * any outbox and the counts unchanged for a while, so events still in flight are not mistaken for
 * writes (or missed).
 */
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./processes";

export type RowCounts = Record<string, number>;

/** `"<worker>.<table>" → rows` for every table of each worker's `<worker>.db` in `dataDir`. */
export function rowCounts(dataDir: string, workers: readonly string[]): RowCounts {
  const counts: RowCounts = {};
  for (const worker of workers) {
    const file = join(dataDir, `${worker}.db`);
    if (!existsSync(file)) continue;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
      for (const { name } of tables) counts[`${worker}.${name}`] = (db.prepare(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as { n: number }).n;
      const outbox = tables.some((t) => t.name === "outbox") ? (db.prepare("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL").get() as { n: number }).n : 0;
      counts[`${worker}.(unsent outbox rows)`] = outbox;
    } finally {
      db.close();
    }
  }
  return counts;
}

/** The counts once every outbox is drained and two reads `gapMs` apart agree. */
export async function settledRowCounts(dataDir: string, workers: readonly string[], gapMs = 1_500): Promise<RowCounts> {
  let previous: string | undefined;
  return waitFor(
    "row counts to settle",
    async () => {
      const counts = rowCounts(dataDir, workers);
      const unsent = Object.entries(counts).some(([name, n]) => name.endsWith("(unsent outbox rows)") && n > 0);
      const now = JSON.stringify(counts);
      const settled = !unsent && now === previous;
      previous = now;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, gapMs));
      return settled ? counts : undefined;
    },
    60_000,
  );
}

/** The tables whose counts differ, `table: before → after`. */
export function changedCounts(before: RowCounts, after: RowCounts): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names.filter((name) => before[name] !== after[name]).map((name) => `${name}: ${before[name] ?? "none"} → ${after[name] ?? "none"}`);
}
