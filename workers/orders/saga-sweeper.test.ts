/**
 * The sweeper wakes when a saga falls due, not on a fixed tick: with its backstop an hour away,
 * a saga whose next attempt is later than the last sweep is still resumed at its time (read off
 * the unfinished-due index), and an attempt scheduled after the sweeper went to sleep wakes it
 * (`due`). On a real orders database.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openWorkerDatabase, type WorkerDatabase } from "../../shared/db/db";
import { waitFor } from "../../test/support/processes";
import { installStatementRecorder } from "../../test/support/sql-plans";
import { createSagaSweeper } from "./saga-sweeper";
import * as schema from "./schema";

let dir: string;
let database: WorkerDatabase<typeof schema>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "bunmesh-sweeper-"));
  database = await openWorkerDatabase({ worker: "orders", dataDir: dir, schema, checkpoints: false });
  // Saga rows alone (their orders do not matter to the sweeper).
  database.db.run(sql`PRAGMA foreign_keys = OFF`);
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

const insertSaga = (orderId: string, state: string, nextAttemptAt: number) =>
  database.db.run(
    sql`INSERT INTO sagas (order_id, state, step, attempts, deadline_at, next_attempt_at, created_at, updated_at) VALUES (${orderId}, ${state}, 'reserve', 1, ${nextAttemptAt + 60_000}, ${nextAttemptAt}, 0, 0)`,
  );

function sweeperOver(running: Set<string>) {
  const resumed: string[] = [];
  const sweeper = createSagaSweeper({
    db: database.db,
    now: () => new Date(),
    intervalMs: 10,
    idleMs: 3_600_000,
    isRunning: (orderId) => running.has(orderId),
    runningCount: () => running.size,
    resume: (orderId) => {
      resumed.push(orderId);
      // A resumed attempt that ends for now: finished, so the sweeper has nothing more due.
      database.db.run(sql`UPDATE sagas SET state = 'DONE' WHERE order_id = ${orderId}`);
    },
    drain: async () => {},
  });
  return { sweeper, resumed };
}

describe("the saga sweeper", () => {
  it("resumes a saga at its next attempt's time, read off the index, with its backstop an hour away", async () => {
    const running = new Set(["later"]);
    insertSaga("later", "RESERVING", Date.now() + 300);
    insertSaga("done", "DONE", Date.now());
    const { sweeper, resumed } = sweeperOver(running);
    sweeper.start(); // running here: the start sweep leaves it
    running.clear();
    expect(resumed).toEqual([]);
    await waitFor("the saga resumed at its time", async () => (resumed.length > 0 ? true : undefined), 10_000);
    expect(resumed).toEqual(["later"]);
    await sweeper.stop();
  });

  it("reads nothing while nothing is due, and is woken by an attempt scheduled after it went to sleep", async () => {
    const { sweeper, resumed } = sweeperOver(new Set());
    const recorder = installStatementRecorder();
    try {
      sweeper.start();
      await new Promise((resolve) => setTimeout(resolve, 50)); // past its first look: asleep for the backstop's hour
      recorder.start();
      await new Promise((resolve) => setTimeout(resolve, 300)); // 30 ticks of a 10 ms interval
      recorder.stop();
      expect(recorder.lastRun("orders.db", /"sagas"/)).toBeUndefined();
    } finally {
      recorder.uninstall();
    }
    const at = Date.now() + 100;
    insertSaga("retried", "RESERVING", at);
    sweeper.due(at);
    await waitFor("the retried saga resumed", async () => (resumed.length > 0 ? true : undefined), 10_000);
    expect(resumed).toEqual(["retried"]);
    await sweeper.stop();
  });
});
