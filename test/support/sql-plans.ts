/**
 * Which SQL the workers of this process run, and how SQLite plans each text, for the query-plan
 * test (test/order-path-plans.test.ts). Under vitest every worker database is a better-sqlite3
 * connection (shared/db/db.ts), and whatever Drizzle runs, prepared once or built per call, is a
 * better-sqlite3 statement executed by run / get / all / iterate: the recorder wraps those four
 * methods of the driver's statement class while it is installed (by the test only; `uninstall()`
 * puts them back), noting each text with the file of its database. A plan is read on a connection
 * of its own with every parameter bound to NULL (EXPLAIN QUERY PLAN needs no real values).
 */
import Database from "better-sqlite3";

type Connection = Database.Database;
type Statement = Database.Statement;

export interface StatementRecorder {
  /** Records from now on (texts seen before are forgotten). */
  start(): void;
  stop(): void;
  /** Distinct SQL texts run since start(), by database file. */
  texts(): Map<string, Set<string>>;
  /** When a text run on a file whose name ends with `fileSuffix` and matching `pattern` last ran (Date.now()), if it did since start(). */
  lastRun(fileSuffix: string, pattern: RegExp): number | undefined;
  /** Statements of this connection (the test's own reads) are not recorded. */
  ignore(connection: Connection): void;
  uninstall(): void;
}

const executions = ["run", "get", "all", "iterate"] as const;

export function installStatementRecorder(): StatementRecorder {
  const probe = new Database(":memory:");
  const prototype = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<(typeof executions)[number], (...args: unknown[]) => unknown>;
  probe.close();
  const originals = executions.map((name) => [name, prototype[name]] as const);
  const ignored = new WeakSet<Connection>();
  const seen = new Map<string, Map<string, number>>();
  let recording = false;
  for (const [name, original] of originals) {
    prototype[name] = function (this: Statement, ...args: unknown[]) {
      if (recording && !ignored.has(this.database)) {
        const file = this.database.name;
        if (!seen.has(file)) seen.set(file, new Map());
        seen.get(file)!.set(this.source, Date.now());
      }
      return original.apply(this, args);
    };
  }
  return {
    start() {
      seen.clear();
      recording = true;
    },
    stop() {
      recording = false;
    },
    texts: () => new Map([...seen].map(([file, texts]) => [file, new Set(texts.keys())])),
    lastRun(fileSuffix, pattern) {
      const runs = [...seen].filter(([file]) => file.endsWith(fileSuffix)).flatMap(([, texts]) => [...texts].filter(([text]) => pattern.test(text)).map(([, at]) => at));
      return runs.length > 0 ? Math.max(...runs) : undefined;
    },
    ignore: (connection) => ignored.add(connection),
    uninstall() {
      for (const [name, original] of originals) prototype[name] = original;
    },
  };
}

export interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

/** The rows of `EXPLAIN [QUERY PLAN] text` on `connection`, the text's positional parameters bound to NULL. */
function explained<T>(connection: Connection, explain: "EXPLAIN" | "EXPLAIN QUERY PLAN", text: string): T[] {
  const statement = connection.prepare(`${explain} ${text}`);
  for (let count = 0; count <= 999; count++) {
    try {
      return statement.all(...new Array<null>(count).fill(null)) as T[];
    } catch (error) {
      if (!(error instanceof RangeError && /Too few parameter/.test(error.message))) throw error;
    }
  }
  throw new Error(`could not bind the parameters of: ${text}`);
}

export function queryPlanOf(connection: Connection, text: string): PlanRow[] {
  return explained<PlanRow>(connection, "EXPLAIN QUERY PLAN", text);
}

/** Whether the statement's program folds rows into an aggregate (count, sum, min/max of one argument, group by: SQLite's AggStep). */
export function aggregates(connection: Connection, text: string): boolean {
  return explained<{ opcode: string }>(connection, "EXPLAIN", text).some((row) => row.opcode.startsWith("Agg"));
}

/** The plan drawn as SQLite's shell draws it (children indented under their parent). */
export function drawPlan(rows: PlanRow[]): string {
  const depth = new Map<number, number>([[0, 0]]);
  return rows
    .map((row) => {
      const level = (depth.get(row.parent) ?? 0) + 1;
      depth.set(row.id, level);
      return `${"  ".repeat(level)}${row.detail}`;
    })
    .join("\n");
}

/** Table-valued functions over a parameter (an id list passed as JSON): as long as the call's own input, not a table. */
const parameterTables = new Set(["json_each", "json_tree"]);

/** Whether a plan line finds at most one row: an equality on every column of the rowid, the primary key or a unique index. */
function findsOneRow(connection: Connection, detail: string): boolean {
  if (/USING INTEGER PRIMARY KEY \(rowid=\?\)$/.test(detail)) return true;
  const search = /^SEARCH (\S+) USING (?:COVERING )?(?:INDEX (\S+)|PRIMARY KEY) \((.*)\)$/.exec(detail);
  if (!search) return false;
  const [, table, named, terms] = search;
  const equal = new Set(terms!.split(" AND ").flatMap((term) => /^(\w+)=\?$/.exec(term)?.[1] ?? []));
  const indexes = connection.pragma(`index_list(${JSON.stringify(table)})`) as { name: string; unique: number; origin: string }[];
  const index = indexes.find((candidate) => (named ? candidate.name === named : candidate.origin === "pk"));
  if (!index?.unique) return false;
  const columns = connection.pragma(`index_info(${JSON.stringify(index.name)})`) as { name: string }[];
  return columns.every((column) => equal.has(column.name));
}

/**
 * What is wrong with a statement on the order path: a full scan of a table (`SCAN t`, with or
 * without an index: every row, or every index entry, is read) unless the table is in
 * `boundedTables` (one that does not grow with orders); or an aggregate over rows found any other
 * way than one key lookup (a customer's or product's history, however well indexed).
 */
export function planProblems(connection: Connection, text: string, rows: PlanRow[], boundedTables: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const reads = rows.filter((row) => /^(SCAN|SEARCH) /.test(row.detail) && !parameterTables.has(row.detail.split(" ")[1]!));
  for (const { detail } of reads) {
    const table = detail.split(" ")[1]!;
    if (detail.startsWith("SCAN ") && table !== "CONSTANT" && !boundedTables.has(table)) problems.push(`full scan: ${detail}`);
  }
  if (aggregates(connection, text)) {
    for (const { detail } of reads) if (!findsOneRow(connection, detail)) problems.push(`aggregates over more than one key's row: ${detail}`);
  }
  return problems;
}

interface TriggerRow {
  name: string;
  sql: string;
}

/** What a statement writes: each table with the trigger events it fires there (an upsert fires INSERT and, on conflict, UPDATE of its SET columns). */
export function writesOf(text: string): { table: string; events: ("INSERT" | "UPDATE" | "DELETE")[]; setColumns: string[] }[] {
  const quoted = /^[`"[]?(\w+)[`"\]]?/;
  const head = /^\s*(insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|delete\s+from)\s+(\S+)/i.exec(text);
  if (!head) return [];
  const table = quoted.exec(head[2]!)?.[1] ?? head[2]!;
  const kind = head[1]!.toLowerCase();
  const setClause = /\b(?:do\s+)?update\s+set\b([\s\S]*)$|^\s*update\b[^]*?\bset\b([\s\S]*)$/i.exec(text);
  const setText = setClause ? (setClause[1] ?? setClause[2] ?? "") : "";
  const setColumns = [...setText.matchAll(/(?:^|,)\s*(?:[`"]?\w+[`"]?\.)?[`"]?(\w+)[`"]?\s*=/g)].map((match) => match[1]!);
  if (kind.startsWith("delete")) return [{ table, events: ["DELETE"], setColumns: [] }];
  if (kind.startsWith("update")) return [{ table, events: ["UPDATE"], setColumns }];
  return [{ table, events: /\bon\s+conflict\b[\s\S]*\bdo\s+update\b/i.test(text) ? ["INSERT", "UPDATE"] : ["INSERT"], setColumns }];
}

/**
 * The statements of the triggers a write fires (they run inside it, and EXPLAIN QUERY PLAN of the
 * write does not show them), each `new.x` / `old.x` made a parameter. A trigger's WHEN is not
 * evaluated: a trigger that may fire counts.
 */
export function triggerStatementsOf(connection: Connection, write: ReturnType<typeof writesOf>[number]): { trigger: string; text: string }[] {
  const triggers = connection.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?").all(write.table) as TriggerRow[];
  return triggers.filter((trigger) => fires(trigger.sql, write)).flatMap(({ name, sql }) => bodyOf(sql).map((text) => ({ trigger: name, text })));
}

function fires(sql: string, write: ReturnType<typeof writesOf>[number]): boolean {
  const event = /\b(?:BEFORE|AFTER|INSTEAD\s+OF)\s+(INSERT|DELETE|UPDATE)(?:\s+OF\s+([\s\S]*?))?\s+ON\b/i.exec(sql);
  if (!event) return false;
  const kind = event[1]!.toUpperCase() as "INSERT" | "UPDATE" | "DELETE";
  if (!write.events.includes(kind)) return false;
  if (kind !== "UPDATE" || !event[2]) return true;
  const columns = event[2].split(",").map((column) => column.trim().replace(/[`"]/g, ""));
  return columns.some((column) => write.setColumns.includes(column));
}

function bodyOf(sql: string): string[] {
  const body = /\bBEGIN\b([\s\S]*)\bEND\s*;?\s*$/i.exec(sql)?.[1] ?? "";
  return body
    .split(";")
    .map((statement) => statement.trim().replace(/\b(new|old)\.`?\w+`?/gi, "?"))
    .filter((statement) => statement.length > 0);
}
