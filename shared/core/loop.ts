/** A background part of a worker (relay, consumer, sweeper): a leaf, so the loops and the kit that runs them import it without a cycle. */

/** A background part of a worker (relay, consumer, sweeper) started after the DB is ready. */
export interface WorkerLoop {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  /** Extra facts for `/health/ready` (e.g. the outbox backlog). */
  health?(): Record<string, unknown> | Promise<Record<string, unknown>>;
}
