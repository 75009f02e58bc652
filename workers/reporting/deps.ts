/** What reporting is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db";
import type { Logger } from "../../shared/logger";
import type { NatsConnectionLoop } from "../../shared/events/nats";
import type { WorkerSecurity } from "../../shared/worker";
import type * as schema from "./schema";

export type ReportingDb = WorkerDb<typeof schema>;

export interface ReportingDeps extends WorkerSecurity {
  db: ReportingDb;
  logger: Logger;
  now: () => Date;
  /** The bus; without it (in-process tests) the read models only change through tests. */
  nats?: NatsConnectionLoop;
  maxDeliver?: number;
  /** Set by the worker when it has a bus. */
  rebuild?: () => Promise<{ replayed: number; tookMs: number }>;
}
