/**
 * SQLite telemetry for a worker's database: a span around every `db.transaction(...)`
 * (`db.system` sqlite, `db.namespace` = worker, the statements' parameterized text, never the
 * values), `db.transaction.duration` by operation, lock waits (`db.busy`, `db.busy_wait_seconds`)
 * and gauges of the DB file, its WAL and the free space under DATA_DIR. shared/db/db.ts wires it in.
 *
 * The lock wait is the time `BEGIN IMMEDIATE` took: SQLite's busy handler sleeps there (up to
 * busy_timeout) while another connection writes; past the timeout the call fails SQLITE_BUSY.
 *
 * @example
 *   const queries = createQueryTracer();                 // drizzle({ client, logger: queries })
 *   traceTransactions(db, { worker: "users", queries });
 *   const stop = observeDatabaseFiles({ worker: "users", file, dataDir });
 */
import { statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { SpanKind, trace, type Span } from "@opentelemetry/api";
import { markSpanFailed, meter, tracer } from "./spans";

interface OpenTransaction {
  span: Span;
  statements: string[];
}

/** A drizzle logger that hands each statement (parameterized) to the transaction running it. */
export interface QueryTracer {
  logQuery(query: string, params: unknown[]): void;
  /** Transactions are synchronous, so the innermost open one is the one running the statement. */
  open: OpenTransaction[];
}

const maxStatements = 50;
const maxQueryText = 4000;

export function createQueryTracer(): QueryTracer {
  const open: OpenTransaction[] = [];
  return {
    open,
    logQuery(query) {
      const tx = open.at(-1);
      if (tx) {
        if (tx.statements.length < maxStatements && tx.statements.at(-1) !== query) tx.statements.push(query);
        return;
      }
      // A statement outside a transaction: an event on whatever span is serving it.
      const span = trace.getActiveSpan();
      if (span?.isRecording()) span.addEvent("db.query", { "db.system": "sqlite", "db.query.text": query.slice(0, maxQueryText) });
    },
  };
}

const writeStatement = /^\s*(insert(?:\s+or\s+\w+)?\s+into|update|delete\s+from)\s+"?(\w+)"?/i;
const readStatement = /^\s*select\b[\s\S]*?\bfrom\s+"?(\w+)"?/i;

/** What one statement says about its transaction's operation: a write, a read, or nothing. */
type StatementKind = { write: string } | { read: string } | null;

/** Statements are the same few texts over and over (prepared or cached queries): each is classified once. */
const kinds = new Map<string, StatementKind>();
const maxKinds = 2048;

function kindOf(statement: string): StatementKind {
  let kind = kinds.get(statement);
  if (kind !== undefined) return kind;
  const write = writeStatement.exec(statement);
  const read = write ? null : readStatement.exec(statement);
  kind = write ? { write: `${write[1]!.split(/\s+/)[0]!.toLowerCase()} ${write[2]}` } : read ? { read: `select ${read[1]}` } : null;
  if (kinds.size < maxKinds) kinds.set(statement, kind);
  return kind;
}

/** A low-cardinality name for what a transaction did: its first write (`insert users`), else its first read. */
export function operationOf(statements: string[]): string {
  let read: string | undefined;
  for (const statement of statements) {
    const kind = kindOf(statement);
    if (kind && "write" in kind) return kind.write;
    if (kind && !read) read = kind.read;
  }
  return read ?? "empty";
}

const busyBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10];
const txBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** A BEGIN IMMEDIATE that took longer than this waited for another writer's lock. */
const lockWaitThresholdMs = 1;

const isBusy = (error: unknown) => /^SQLITE_BUSY/.test(String((error as { code?: unknown })?.code ?? ""));

type TransactionFn = (fn: (tx: unknown) => unknown, config?: unknown) => unknown;

/** Replaces `db.transaction` with one that runs each transaction in a span and measures it. */
export function traceTransactions(db: { transaction: TransactionFn }, options: { worker: string; queries: QueryTracer }): void {
  const { worker, queries } = options;
  const run = db.transaction.bind(db) as TransactionFn;
  const duration = meter().createHistogram("db.transaction.duration", {
    description: "Duration of SQLite transactions (lock wait included), by operation and outcome",
    unit: "s",
    advice: { explicitBucketBoundaries: txBuckets },
  });
  const busy = meter().createCounter("db.busy", { description: "Transactions that found the database locked: waited for it, or failed SQLITE_BUSY" });
  const busyWait = meter().createHistogram("db.busy_wait_seconds", {
    description: "Time transactions waited for another writer's lock",
    unit: "s",
    advice: { explicitBucketBoundaries: busyBuckets },
  });
  const base = { "db.system": "sqlite", "db.system.name": "sqlite", "db.namespace": worker };

  db.transaction = (fn, config) => {
    const behavior = (config as { behavior?: string } | undefined)?.behavior ?? "deferred";
    return tracer.startActiveSpan("db.transaction", { kind: SpanKind.CLIENT }, (span) => {
      const entry: OpenTransaction = { span, statements: [] };
      const started = performance.now();
      let lockedAt: number | undefined;
      let outcome = "commit";
      queries.open.push(entry);
      try {
        return run((tx) => {
          lockedAt = performance.now();
          return fn(tx);
        }, config);
      } catch (error) {
        outcome = "rollback";
        if (isBusy(error) && lockedAt === undefined) {
          outcome = "busy";
          busy.add(1, { "db.namespace": worker, outcome: "failed" });
          busyWait.record((performance.now() - started) / 1000, { "db.namespace": worker });
        }
        markSpanFailed(span, error);
        throw error;
      } finally {
        queries.open.pop();
        const waitedMs = (lockedAt ?? started) - started;
        if (lockedAt !== undefined && waitedMs > lockWaitThresholdMs) {
          busy.add(1, { "db.namespace": worker, outcome: "waited" });
          busyWait.record(waitedMs / 1000, { "db.namespace": worker });
          span.setAttribute("db.lock_wait_ms", Math.round(waitedMs * 1000) / 1000);
        }
        const operation = operationOf(entry.statements);
        // The statements' text only for a span that records (untraced or not sampled: nothing joined).
        if (span.isRecording()) {
          span.updateName(`db.transaction ${operation}`);
          span.setAttributes({
            ...base,
            "db.transaction.behavior": behavior,
            "db.query.summary": operation,
            "db.query.text": entry.statements.join(";\n").slice(0, maxQueryText),
            "db.transaction.outcome": outcome,
          });
        }
        span.end();
        duration.record((performance.now() - started) / 1000, { "db.namespace": worker, "db.operation": operation, outcome });
      }
    });
  };
}

/** Gauges of the DB file, its WAL and the free space under DATA_DIR. Returns the unregister. */
export function observeDatabaseFiles(options: { worker: string; file: string }): () => void {
  const { worker, file } = options;
  const m = meter();
  const fileBytes = m.createObservableGauge("db.file.bytes", { description: "Size of the worker's SQLite file", unit: "By" });
  const walBytes = m.createObservableGauge("db.wal.bytes", { description: "Size of the worker's SQLite WAL file", unit: "By" });
  const freeBytes = m.createObservableGauge("data_dir.free.bytes", { description: "Free disk space (for unprivileged users) under DATA_DIR", unit: "By" });
  const sizeOf = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0; // no WAL between checkpoints that removed it
    }
  };
  const observe: Parameters<typeof m.addBatchObservableCallback>[0] = (result) => {
    const attributes = { "db.namespace": worker };
    result.observe(fileBytes, sizeOf(file), attributes);
    result.observe(walBytes, sizeOf(`${file}-wal`), attributes);
    try {
      const fs = statfsSync(dirname(file));
      result.observe(freeBytes, fs.bavail * fs.bsize, attributes);
    } catch {
      // statfs unsupported here: leave the gauge out rather than report a wrong number
    }
  };
  m.addBatchObservableCallback(observe, [fileBytes, walBytes, freeBytes]);
  return () => m.removeBatchObservableCallback(observe, [fileBytes, walBytes, freeBytes]);
}
