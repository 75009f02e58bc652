/** What payments is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db/db";
import type { WorkerBaseDeps } from "../../shared/worker/worker";
import type * as schema from "./schema";
import type { PaymentsQueries } from "./queries";

export type PaymentsDb = WorkerDb<typeof schema>;

export interface PaymentsDeps extends WorkerBaseDeps {
  db: PaymentsDb;
  now: () => Date;
  /** Deliveries of a cancellation that cannot be applied before it goes to the dead letters (default 5). */
  maxDeliver?: number;
}

/** What procedures see: the deps plus the worker's prepared order-path statements. */
export interface PaymentsContext extends PaymentsDeps {
  queries: PaymentsQueries;
}
