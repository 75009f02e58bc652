/** What reporting is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db/db";
import type { WorkerBaseDeps } from "../../shared/worker/worker";
import type * as schema from "./schema";

export type ReportingDb = WorkerDb<typeof schema>;

export interface ReportingDeps extends WorkerBaseDeps {
  db: ReportingDb;
  now: () => Date;
  maxDeliver?: number;
  /** Set by the worker when it has a bus. */
  rebuild?: () => Promise<{ replayed: number; tookMs: number }>;
}
