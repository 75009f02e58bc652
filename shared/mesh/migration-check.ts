/**
 * Expand/contract discipline for a worker's migrations: while a new release rolls out, the
 * previous release's code still runs against the new schema, so a migration may only expand it.
 * This refuses, in any migration not marked as a contract step (a `-- bunmesh:contract` line in
 * its SQL), what breaks the previous code: a dropped or renamed table or column, a new NOT NULL
 * column without a default on an existing table, an existing column made NOT NULL or given
 * another type. It compares drizzle-kit's consecutive schema snapshots (meta/NNNN_snapshot.json)
 * and also reads the SQL itself, for hand-written statements.
 *
 * @example const results = checkMigrationsFolder("migrations/orders"); // [{ migration, problems }]
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const contractMark = "-- bunmesh:contract";

interface SnapshotColumn {
  name: string;
  type: string;
  notNull: boolean;
  default?: unknown;
}

export interface SchemaSnapshot {
  tables: Record<string, { name: string; columns: Record<string, SnapshotColumn> }>;
}

export interface MigrationCheck {
  migration: string;
  contract: boolean;
  /** What would break the previous release's code; empty when the step is safe (or a contract). */
  problems: string[];
}

/** Schema changes between two snapshots that the previous release's code cannot live with. */
export function findBreakingChanges(before: SchemaSnapshot | undefined, after: SchemaSnapshot): string[] {
  if (!before) return [];
  const problems: string[] = [];
  for (const [tableName, table] of Object.entries(before.tables)) {
    const next = after.tables[tableName];
    if (!next) {
      problems.push(`table ${tableName} is dropped or renamed`);
      continue;
    }
    for (const [columnName, column] of Object.entries(table.columns)) {
      const nextColumn = next.columns[columnName];
      if (!nextColumn) problems.push(`column ${tableName}.${columnName} is dropped or renamed`);
      else if (nextColumn.type !== column.type) problems.push(`column ${tableName}.${columnName} changes type from ${column.type} to ${nextColumn.type}`);
      else if (nextColumn.notNull && !column.notNull) problems.push(`column ${tableName}.${columnName} becomes NOT NULL`);
    }
    for (const [columnName, column] of Object.entries(next.columns)) {
      if (!table.columns[columnName] && column.notNull && column.default === undefined) {
        problems.push(`new column ${tableName}.${columnName} is NOT NULL without a default: the previous code's inserts would fail`);
      }
    }
  }
  return problems;
}

const unquote = (name: string) => name.replace(/^[`"[]|[`"\]]$/g, "");

/** Statements in the SQL that drop or rename; drizzle's table rebuild (`__new_x` renamed to x) is not a drop. */
export function findBreakingSql(sql: string): string[] {
  // Comment lines go first: a `-- why` line above a DROP must not hide it from the patterns.
  const statements = sql.split(/--> statement-breakpoint|;\s*\n/).map((statement) =>
    statement
      .replace(/^\s*--.*$/gm, "")
      .trim()
      .replace(/;$/, ""),
  );
  const rebuilt = new Set<string>();
  for (const statement of statements) {
    const match = /^ALTER TABLE\s+(\S+)\s+RENAME TO\s+(\S+)/i.exec(statement);
    if (match && unquote(match[1]!).startsWith("__new_")) rebuilt.add(unquote(match[2]!));
  }
  const problems: string[] = [];
  for (const statement of statements) {
    const dropTable = /^DROP TABLE\s+(?:IF EXISTS\s+)?(\S+)/i.exec(statement);
    if (dropTable && !rebuilt.has(unquote(dropTable[1]!)) && !unquote(dropTable[1]!).startsWith("__new_")) problems.push(`drops table ${unquote(dropTable[1]!)}`);
    const alter = /^ALTER TABLE\s+(\S+)\s+(DROP COLUMN|RENAME COLUMN|RENAME TO)\s+(\S+)/i.exec(statement);
    if (alter && !unquote(alter[1]!).startsWith("__new_")) {
      problems.push(`${alter[2]!.toLowerCase()} ${unquote(alter[3]!)} on table ${unquote(alter[1]!)}`);
    }
  }
  return problems;
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : undefined;
}

/** Every migration of one folder (drizzle-kit's layout), in journal order. */
export function checkMigrationsFolder(folder: string): MigrationCheck[] {
  const journal = readJson<{ entries: { idx: number; tag: string }[] }>(join(folder, "meta", "_journal.json"));
  if (!journal) throw new Error(`${folder} has no meta/_journal.json`);
  let previous: SchemaSnapshot | undefined;
  return journal.entries.map((entry) => {
    const sql = readFileSync(join(folder, `${entry.tag}.sql`), "utf8");
    const snapshot = readJson<SchemaSnapshot>(join(folder, "meta", `${String(entry.idx).padStart(4, "0")}_snapshot.json`));
    const contract = sql.split("\n").some((line) => line.trim() === contractMark);
    const found = [...(snapshot ? findBreakingChanges(previous, snapshot) : []), ...findBreakingSql(sql)];
    previous = snapshot ?? previous;
    return { migration: entry.tag, contract, problems: contract ? [] : found };
  });
}
