/** What reporting is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db/db";
import type { WorkerBaseDeps } from "../../shared/worker/worker";
import type { ReadModelGate } from "../../shared/events/read-model";
import type * as schema from "./schema";

export type ReportingDb = WorkerDb<typeof schema>;

export interface ReportingDeps extends WorkerBaseDeps {
  db: ReportingDb;
  now: () => Date;
  maxDeliver?: number;
}

/** What procedures see: the deps, the read-model gate every read goes through, and the rebuild when there is a bus. */
export interface ReportingContext extends ReportingDeps {
  readModel: ReadModelGate;
  rebuild?: () => Promise<{ replayed: number; tookMs: number }>;
}
