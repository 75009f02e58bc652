/**
 * A worker's read-model gate: what makes its reads of data built from events honour a consistency
 * token. A read asks `read(fn)`: without a token `fn` answers at once; with one (the request's
 * `x-consistency-token`), it answers once this worker's consumers have applied every event the
 * token names that they apply (found in their inbox, or awaited: the consumer wakes the gate
 * after each commit), and at most `maxWaitMs` later otherwise, refused with READ_MODEL_BEHIND
 * (503) naming the lag: never stale data silently. Either way the answer carries the read model's
 * position and lag (noteReadModel → the edge's `x-read-model-*` headers). Events of streams it
 * does not read, of subjects it ignores, or older than the inbox retention are not waited for.
 *
 * @example
 *   const gate = createReadModelGate({ name: "reporting", db, inbox, positions, tokens, consumers, maxWaitMs: 2000 });
 *   customer: p.internal.input(customerReportInput).query(({ ctx, input }) => ctx.deps.readModel.read(() => customerReport(ctx.deps.db, input.customerId))),
 */
import { and, eq, sql } from "drizzle-orm";
import { consistencyOf, noteReadModel, type ReadModelFacts } from "../core/consistency-scope";
import { DomainError } from "../core/errors";
import type { WorkerDb } from "../db/db";
import { preparedQuery } from "../db/prepared";
import { createAppliedWaiters } from "./applied-waiters";
import type { ConsistencyTokens, TokenEvent } from "./consistency-token";
import { subjectTag } from "./consistency-token";
import type { ConsumerHealth } from "./consumer-messages";
import { streamOf, type EventEnvelope } from "./envelope";
import type { Delivery } from "./inbox";
import { readPositions } from "./positions";
import { defaultRetentionMs } from "./prune";
import type { ConsumerPositionsTable, InboxTable } from "./tables";

export interface ReadModelConsumer {
  name: string;
  owner: string;
  /** The subjects it applies (its handlers'). */
  subjects: readonly string[];
}

export interface ReadModelGateOptions {
  /** The worker, for messages. */
  name: string;
  /** Its database and inbox: needed when it has consumers. */
  db?: WorkerDb<any>;
  inbox?: InboxTable;
  /** Where its consumers record their positions; without it, positions are known from this process's applies only. */
  positions?: ConsumerPositionsTable;
  tokens: ConsistencyTokens;
  consumers: readonly ReadModelConsumer[];
  /** The longest a read waits for its token's events (READ_WAIT_MS). */
  maxWaitMs: number;
  /** Reads that may wait at once; more are refused at once. Default 1000. */
  maxWaiting?: number;
  /** A consumer's health (consuming, messages pending): caught up means no lag. */
  health?: (consumer: string) => ConsumerHealth | undefined;
  /** Events older than this are not waited for (the inbox retention). */
  horizonMs?: number;
  now?: () => number;
}

export interface ReadModelGate {
  /** Runs `read` once the request's token is honoured (see above); throws READ_MODEL_BEHIND past the wait. */
  read<T>(read: () => T): T | Promise<T>;
  /** From a consumer, right after the commit of an event's transaction (handled or a duplicate). */
  applied(consumer: string, event: EventEnvelope, delivery: Delivery): void;
  /** Its position and lag; of the named consumers only when given (orders' copies: its users and catalog consumers). */
  facts(consumers?: readonly string[]): ReadModelFacts;
}

interface Position {
  stream: string;
  sequence: number;
  eventAt: number;
}

const keyOf = (consumer: string, eventId: string) => `${consumer}\u0000${eventId}`;

export function createReadModelGate(options: ReadModelGateOptions): ReadModelGate {
  const now = options.now ?? Date.now;
  const waiters = createAppliedWaiters(options.maxWaiting ?? 1000);
  const positions = loadPositions(options);
  const facts = (only?: readonly string[]) => factsOf(options, positions, now(), only);
  const missing = missingEvents(options, now);

  const waitFor = async (token: string) => {
    const pending = missing(options.tokens.read(token));
    if (pending.length === 0) return;
    const applied = await waiters.wait(
      pending.map((event) => event.key),
      options.maxWaitMs,
    );
    if (!applied) throw behind(options, facts(), pending, now(), applied === undefined);
  };

  return {
    read(read) {
      const token = consistencyOf()?.readAfter;
      if (token === undefined) {
        noteReadModel(facts());
        return read();
      }
      return waitFor(token).then(() => {
        noteReadModel(facts());
        return read();
      });
    },
    applied(consumer, event, delivery) {
      const eventAt = Date.parse(event.occurredAt);
      const known = positions.get(consumer);
      if (!known || delivery.streamSequence > known.sequence)
        positions.set(consumer, { stream: delivery.stream, sequence: delivery.streamSequence, eventAt: Math.max(eventAt, known?.eventAt ?? 0) });
      waiters.applied(keyOf(consumer, event.id));
    },
    facts,
  };
}

/** The positions recorded so far, by consumer: what the gate knows before this process applies anything. */
function loadPositions(options: ReadModelGateOptions): Map<string, Position> {
  const known = new Map<string, Position>();
  if (!options.positions || !options.db) return known;
  for (const row of readPositions(options.db, options.positions)) known.set(row.consumer, { stream: row.stream, sequence: row.lastSequence, eventAt: row.lastEventAt });
  return known;
}

/** No lag while a consumer consumes with nothing pending; else the time since the last event it applied was written. */
function factsOf(options: ReadModelGateOptions, positions: Map<string, Position>, at: number, only?: readonly string[]): ReadModelFacts {
  let lagMs = 0;
  const streams: string[] = [];
  for (const consumer of options.consumers) {
    if (only && !only.includes(consumer.name)) continue;
    const position = positions.get(consumer.name);
    streams.push(`${position?.stream ?? streamOf(consumer.owner).name}:${position?.sequence ?? 0}`);
    const health = options.health?.(consumer.name);
    const caughtUp = health?.consuming === true && (health.pending ?? 0) === 0;
    if (!caughtUp && position) lagMs = Math.max(lagMs, at - position.eventAt);
  }
  return { position: streams.join(","), lagMs: Math.max(0, lagMs) };
}

type PendingEvent = TokenEvent & { key: string };

/** Of a token's events, those this read model applies and has not applied yet (one inbox query per consumer). */
function missingEvents(options: ReadModelGateOptions, now: () => number): (events: TokenEvent[]) => PendingEvent[] {
  const consumers = options.consumers.map((consumer) => ({ ...consumer, tags: new Set(consumer.subjects.map(subjectTag)) }));
  if (consumers.length === 0) return () => [];
  const seenQuery = () => {
    const { db, inbox } = options;
    if (!db || !inbox) throw new Error(`${options.name}: a read model's consumers need its database and inbox`);
    return preparedQuery(db, inbox, "consistencySeen", () =>
      db
        .select({ eventId: inbox.eventId })
        .from(inbox)
        .where(and(eq(inbox.consumer, sql.placeholder("consumer")), sql`${inbox.eventId} in (select value from json_each(${sql.placeholder("ids")}))`))
        .prepare(),
    );
  };
  return (events) => {
    const horizon = now() - (options.horizonMs ?? defaultRetentionMs);
    const pending: PendingEvent[] = [];
    for (const consumer of consumers) {
      const mine = events.filter((e) => e.owner === consumer.owner && consumer.tags.has(e.tag) && (e.writtenAt === null || e.writtenAt >= horizon));
      if (mine.length === 0) continue;
      const done = new Set(
        seenQuery()
          .all({ consumer: consumer.name, ids: JSON.stringify(mine.map((e) => e.id)) })
          .map((row) => row.eventId),
      );
      for (const event of mine) if (!done.has(event.id)) pending.push({ ...event, key: keyOf(consumer.name, event.id) });
    }
    return pending;
  };
}

/** READ_MODEL_BEHIND: the lag is at least how long the oldest awaited event has waited. */
function behind(options: ReadModelGateOptions, facts: ReadModelFacts, pending: PendingEvent[], at: number, crowded: boolean): DomainError {
  const oldest = Math.min(...pending.map((event) => event.writtenAt ?? at));
  const lagMs = Math.max(facts.lagMs, at - oldest);
  const retryAfterS = Math.min(30, Math.max(1, Math.ceil(lagMs / 1000)));
  const why = crowded ? `${options.maxWaiting ?? 1000} reads are already waiting` : `after ${options.maxWaitMs} ms`;
  return new DomainError(
    "READ_MODEL_BEHIND",
    `${options.name}'s read model has not applied ${pending.length} event(s) of the x-consistency-token yet (${why}); it lags ${lagMs} ms: retry after ${retryAfterS} s`,
    { readModel: options.name, lagMs, retryAfterS, position: facts.position, waitingFor: pending.length },
  );
}
