/** What payments is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db";
import type { Logger } from "../../shared/logger";
import type { NatsConnectionLoop } from "../../shared/events/nats";
import type { WorkerSecurity } from "../../shared/worker";
import type * as schema from "./schema";

export type PaymentsDb = WorkerDb<typeof schema>;

export interface PaymentsDeps extends WorkerSecurity {
  db: PaymentsDb;
  logger: Logger;
  now: () => Date;
  /** The bus; without it (in-process tests) events wait in the outbox. */
  nats?: NatsConnectionLoop;
}
