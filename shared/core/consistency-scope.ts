/**
 * What a request learns about consistency while it is served, kept in its request scope beside
 * the correlation ID: the events its transactions enqueued and the tokens its peers answered
 * with (the write's consistency token is made from both when it answers), the token a read must
 * wait for, and what the read models it read said of their position and lag. Filled by the kit
 * (enqueueEvent, the peer client, the read-model gate) and turned into headers by the worker's
 * edge (shared/middleware/consistency.ts). Every list is bounded, so a scope never grows without end.
 *
 * @example
 *   noteProducedEvent("users.user.registered", envelope.id); // in enqueueEvent
 *   consistencyOf(currentRequestScope())?.readAfter;          // the token a read waits for
 */
import { z } from "zod";
import { currentRequestScope, type ConsistencyScope, type ReadModelFacts, type RequestScope } from "./request-scope";

export type { ConsistencyScope, ReadModelFacts } from "./request-scope";

import { consistencyTokenHeader, readModelLagHeader, readModelPositionHeader } from "./consistency-headers";
export { consistencyTokenHeader, readModelLagHeader, readModelPositionHeader };

/** A consistency token as an input field or header value: opaque text; its MAC is checked where it is read. */
export const consistencyTokenInput = z.string().min(1).max(2048);

/** Bounds of a scope's lists: a token names at most 64 events anyway (shared/events/consistency-token.ts). */
const maxProduced = 64;
const maxReceived = 16;
const maxReadModels = 16;

/** The consistency part of `scope`, made on first use; undefined outside any request scope. */
export function consistencyOf(scope: RequestScope | undefined = currentRequestScope()): ConsistencyScope | undefined {
  if (!scope) return undefined;
  return (scope.consistency ??= { produced: [], received: [], readModels: [] });
}

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}

/** An event the current request enqueued (enqueueEvent calls it). */
export function noteProducedEvent(subject: string, id: string): void {
  const consistency = consistencyOf();
  if (consistency) pushBounded(consistency.produced, { subject, id }, maxProduced);
}

/** What a read model said while serving the current request (the read-model gate calls it). */
export function noteReadModel(facts: ReadModelFacts): void {
  const consistency = consistencyOf();
  if (consistency) pushBounded(consistency.readModels, facts, maxReadModels);
}

/** A peer's answer: its consistency token and read-model facts, taken into the current request's (the peer client calls it). */
export function notePeerAnswer(headers: Headers): void {
  const token = headers.get(consistencyTokenHeader);
  const lag = headers.get(readModelLagHeader);
  if (token === null && lag === null) return;
  const consistency = consistencyOf();
  if (!consistency) return;
  if (token !== null) pushBounded(consistency.received, token, maxReceived);
  if (lag !== null) pushBounded(consistency.readModels, { position: headers.get(readModelPositionHeader) ?? "", lagMs: Number(lag) || 0 }, maxReadModels);
}

/** The read models' facts of one answer as its headers: the largest lag, every position. */
export function readModelHeaders(facts: readonly ReadModelFacts[]): Record<string, string> {
  if (facts.length === 0) return {};
  const positions = [...new Set(facts.map((f) => f.position).filter((p) => p !== ""))];
  return { [readModelLagHeader]: String(Math.max(...facts.map((f) => f.lagMs))), [readModelPositionHeader]: positions.join(",") };
}
