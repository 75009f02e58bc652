/**
 * Test-only Bun preload for orders' crash tests (`startWorker("orders", env, { preload })`): the
 * process SIGKILLs itself right after the transaction that logs saga step $ORDERS_CRASH_AFTER
 * (reserve, authorize, commit or capture) as done commits, which is what a crash between two
 * steps looks like. It watches bun:sqlite's transactions, so the shipped worker has no hook.
 */
import { Database } from "bun:sqlite";

const step = process.env.ORDERS_CRASH_AFTER;
const crashSteps = ["reserve", "authorize", "commit", "capture"];
if (!step || !crashSteps.includes(step)) throw new Error(`ORDERS_CRASH_AFTER must be one of ${crashSteps.join(", ")}, got ${step}`);

/** After a commit: has the step been logged as done (ok, or skipped for a free order)? */
function crashIfStepDone(db: Database): void {
  if (db.inTransaction) return; // a nested transaction: its outer one has not committed yet
  let done: unknown;
  try {
    done = db.query("SELECT 1 FROM saga_log WHERE step = ? AND outcome IN ('ok', 'skipped') LIMIT 1").get(step!);
  } catch {
    return; // not orders.db, or before its migrations made saga_log
  }
  if (done) process.kill(process.pid, "SIGKILL");
}

type Run = (...args: unknown[]) => unknown;
const original = Database.prototype.transaction;
Database.prototype.transaction = function (this: Database, insideTransaction: Run) {
  const db = this;
  const tx = original.call(this, insideTransaction);
  const thenCheck = (run: Run) =>
    function (this: unknown, ...runArgs: unknown[]) {
      const result = run.apply(this, runArgs);
      crashIfStepDone(db);
      return result;
    };
  return Object.assign(thenCheck(tx as Run), {
    deferred: thenCheck(tx.deferred as Run),
    immediate: thenCheck(tx.immediate as Run),
    exclusive: thenCheck(tx.exclusive as Run),
  });
} as typeof original;
