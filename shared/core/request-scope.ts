/**
 * The scope of the request being served: its correlation ID and caller, kept in
 * AsyncLocalStorage so peer clients and event envelopes pick it up without threading it
 * through every function signature.
 *
 * @example runInRequestScope({ correlationId }, () => handle()); currentCorrelationId();
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { newId } from "./ids";

export interface RequestScope {
  correlationId: string;
  /** Causation: the event id being handled, when the work was triggered by an event. */
  causationId?: string;
  /** Events produced, tokens received and awaited, read models read (consistency-scope.ts); made on first use. */
  consistency?: ConsistencyScope;
}

/** What a read model says of itself when it answers: how far it has applied each stream it reads, and how far behind it is. */
export interface ReadModelFacts {
  /** `STREAM:sequence` per stream read, comma-separated (e.g. `ORDERS:1234`). */
  position: string;
  lagMs: number;
}

export interface ConsistencyScope {
  /** Events the request's transactions enqueued, for the token its answer carries. */
  produced: { subject: string; id: string }[];
  /** Tokens peers answered with, merged into the answer's. */
  received: string[];
  /** The token the request came with: its reads of read models wait for it, its write's token includes it. */
  readAfter?: string;
  readModels: ReadModelFacts[];
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * Background work (a relay round, a saga sweep, a prune) serves no request, yet its spans and log
 * lines need a correlation ID too: each round gets one of its own, named for the loop
 * (`outbox-relay.users:<uuid>`), so it is found as easily and never mistaken for a client's.
 */
export function runInBackgroundScope<T>(loop: string, fn: () => T): T {
  return storage.run({ correlationId: `${loop}:${newId()}` }, fn);
}

export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

/** The correlation ID of the current request, or a fresh one for work that starts here. */
export function currentCorrelationId(): string {
  return storage.getStore()?.correlationId ?? newId();
}

export const correlationHeader = "x-correlation-id";
export const callerHeader = "x-mesh-caller";
export const idempotencyHeader = "idempotency-key";

/** Accepts a caller's correlation ID when it is a sane token; otherwise makes one. */
export function acceptCorrelationId(value: string | null | undefined): string {
  if (value && /^[A-Za-z0-9._:-]{1,128}$/.test(value)) return value;
  return newId();
}
