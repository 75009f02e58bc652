/**
 * Test-only Bun preload for orders' crash tests (`startWorker("orders", env, { preload })`): the
 * process SIGKILLs itself at a saga step, which is what a crash there looks like. It watches
 * bun:sqlite's transactions, so the shipped worker has no hook.
 * - ORDERS_CRASH_AFTER=<step>: right after the transaction that logs the step as done commits
 *   (the step is recorded; the next phase has not started).
 * - ORDERS_CRASH_BEFORE=<step>: inside the transaction that would log the step as done, before
 *   it commits: the peers have acted, orders has recorded nothing of it (its calls must be
 *   re-issued or compensated after a restart).
 * <step>: reserve, authorize or confirm, all logged in the hold's transaction, the saga's pivot
 * (commit and capture are no longer saga steps: inventory and payments take them on orders.order.confirmed).
 */
import { Database } from "bun:sqlite";

const after = process.env.ORDERS_CRASH_AFTER;
const before = process.env.ORDERS_CRASH_BEFORE;
const step = after ?? before;
const crashSteps = ["reserve", "authorize", "confirm"];
if (!step || !crashSteps.includes(step) || (after && before)) {
  throw new Error(`ORDERS_CRASH_AFTER or ORDERS_CRASH_BEFORE (one) must be one of ${crashSteps.join(", ")}, got ${after}/${before}`);
}

/** Has the step been logged as done (ok, or skipped for a free order), as this connection sees it? */
function stepDone(db: Database): boolean {
  try {
    return db.query("SELECT 1 FROM saga_log WHERE step = ? AND outcome IN ('ok', 'skipped') LIMIT 1").get(step!) !== null;
  } catch {
    return false; // not orders.db, or before its migrations made saga_log
  }
}

const crash = () => process.kill(process.pid, "SIGKILL");

type Run = (...args: unknown[]) => unknown;
const original = Database.prototype.transaction;
Database.prototype.transaction = function (this: Database, insideTransaction: Run) {
  const db = this;
  // BEFORE: the step's record written inside this transaction, not yet committed → die.
  const inside = before
    ? function (this: unknown, ...args: unknown[]) {
        const doneBefore = stepDone(db);
        const result = insideTransaction.apply(this, args);
        if (!doneBefore && stepDone(db)) crash();
        return result;
      }
    : insideTransaction;
  const tx = original.call(this, inside);
  // AFTER: the outermost transaction committed with the step logged → die.
  const thenCheck = (run: Run) =>
    function (this: unknown, ...runArgs: unknown[]) {
      const result = run.apply(this, runArgs);
      if (after && !db.inTransaction && stepDone(db)) crash();
      return result;
    };
  return Object.assign(thenCheck(tx as Run), {
    deferred: thenCheck(tx.deferred as Run),
    immediate: thenCheck(tx.immediate as Run),
    exclusive: thenCheck(tx.exclusive as Run),
  });
} as typeof original;
