/**
 * An in-process worker for unit-level tests under Node: a fresh SQLite file per test (through
 * the same openWorkerDatabase the processes use, so the same migrations and pragmas), the
 * worker built by its own factory, and its tRPC routes called with `app.request`. The factory may
 * be async and add its own deps (peer clients, settings) to the ones given.
 *
 * @example
 *   const t = useInProcessWorker("inventory", schema, (deps) => createInventoryWorker(deps));
 *   it("...", async () => { const answer = await t.mutate("setStock", { productId, onHand: 5 }); });
 */
import { afterEach, beforeEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWorkerDatabase, type WorkerDatabase, type WorkerDb } from "../../shared/db/db";
import { createLogger, type Logger } from "../../shared/core/logger";
import type { Worker, WorkerBaseDeps } from "../../shared/worker/worker";

/** The kit's base deps (identity checks off, as for an in-process caller) plus the worker's DB and clock. */
export interface InProcessDeps<TSchema extends Record<string, unknown>> extends WorkerBaseDeps {
  db: WorkerDb<TSchema>;
  logger: Logger;
  now: () => Date;
}

export interface Answer {
  status: number;
  body: any;
}

export function useInProcessWorker<TSchema extends Record<string, unknown>>(
  name: string,
  schema: TSchema,
  create: (deps: InProcessDeps<TSchema>) => Worker | Promise<Worker>,
  options: { now?: () => Date } = {},
) {
  let dir: string;
  let database: WorkerDatabase<TSchema>;
  let worker: Worker;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), `bunmesh-${name}-`));
    database = await openWorkerDatabase({ worker: name, dataDir: dir, schema });
    const now = options.now ?? (() => new Date("2026-01-01T00:00:00Z"));
    const logger = createLogger({ worker: name, level: "silent" });
    worker = await create({ db: database.db, logger, identity: null, outboxSignal: database.outboxSignal, now });
    await worker.start();
  });
  afterEach(async () => {
    await worker.stop();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    /** The test's own folder, holding the worker's database file. */
    get dir() {
      return dir;
    },
    get database() {
      return database;
    },
    get worker() {
      return worker;
    },
    async mutate(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
      const res = await worker.app.request(`/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async query(path: string, input: unknown): Promise<Answer> {
      const res = await worker.app.request(`/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
      return { status: res.status, body: await res.json() };
    },
    /** The procedure's result of a successful answer; any other answer fails the test with its body. */
    data: (answer: Answer) => {
      if (answer.status !== 200) throw new Error(`${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body.result.data;
    },
  };
}
