/**
 * Consistency tokens, what a write answers with so that a later read of a read model can wait for
 * its effect (read-your-writes). A token names the events the write produced: per stream (the
 * producing worker), each event's id (a uuid v7, so it also says when it was written) and a 4-byte
 * tag of its subject, so a read model tells the events it applies from those it ignores without
 * a lookup. Nothing is asked of anyone to make one: the ids are known when the outbox row is
 * written, and a read model knows an event is applied when its inbox holds the id, published yet
 * or not. Binary, base64url, MACed (HMAC-SHA256 cut to 128 bits) with a key derived from the mesh
 * secret: a tampered or foreign token is refused. At most `maxTokenEvents` events (the newest);
 * events older than the inbox retention are dropped, as no inbox can say any more whether it
 * applied them.
 *
 * @example
 *   const tokens = createConsistencyTokens(meshSecret);
 *   const token = tokens.issue([{ subject: "orders.order.confirmed", id: envelope.id }]);
 *   tokens.read(token); // [{ owner: "orders", tag: subjectTag("orders.order.confirmed"), id, writtenAt }]
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { parse as parseUuid, stringify as stringifyUuid } from "uuid";
import { consistencyTokenHeader, type ConsistencyScope } from "../core/consistency-scope";
import { DomainError } from "../core/errors";
import { defaultRetentionMs } from "./prune";

/** An event as the request that enqueued it knows it. */
export interface ProducedEvent {
  subject: string;
  id: string;
}

/** An event as a token names it. */
export interface TokenEvent {
  /** The producing worker: its stream is `streamOf(owner)`. */
  owner: string;
  /** `subjectTag(subject)`. */
  tag: number;
  id: string;
  /** When it was written (the uuid v7's time), null for an id of another version. */
  writtenAt: number | null;
}

export const maxTokenEvents = 64;
const formatVersion = 1;
const macLength = 16;
const idLength = 16;

export interface ConsistencyTokens {
  /**
   * The token naming `events` and every event of `tokens`, or undefined when that is none. Keeps
   * the newest `maxTokenEvents`, drops those older than the inbox retention. A token that fails
   * its check is left out: a peer's bad token must not fail a write that has committed (the
   * tokens a client sends are refused at the edge, before anything runs).
   */
  issue(events: readonly ProducedEvent[], tokens?: readonly (string | undefined)[]): string | undefined;
  /** The events a token names; throws a BAD_INPUT DomainError naming `x-consistency-token` when it is malformed, tampered or foreign. */
  read(token: string): TokenEvent[];
}

/** The first 4 bytes of the subject's SHA-256. */
export function subjectTag(subject: string): number {
  return createHash("sha256").update(subject).digest().readUInt32BE(0);
}

/** The time in a uuid v7 (its first 48 bits, milliseconds), or null for another version. */
export function writtenAtOf(id: Uint8Array): number | null {
  if (id[6]! >> 4 !== 7) return null;
  return Buffer.from(id.subarray(0, 6)).readUIntBE(0, 6);
}

/**
 * Tokens signed with a key derived from the mesh secret (its own label, so a token is never
 * confused with a service token); without a secret, a fixed development key, as identity checks
 * are then off too (any process can make a token, which can only make a read wait).
 */
export function createConsistencyTokens(secret: string | Uint8Array | null, options: { horizonMs?: number; now?: () => number } = {}): ConsistencyTokens {
  const key = createHmac("sha256", secret ?? Buffer.from("bunmesh development secret: identity checks are off"))
    .update("bunmesh consistency token v1")
    .digest();
  const horizonMs = options.horizonMs ?? defaultRetentionMs;
  const now = options.now ?? Date.now;
  const mac = (payload: Uint8Array) => createHmac("sha256", key).update(payload).digest().subarray(0, macLength);

  const read = (token: string): TokenEvent[] => {
    const bytes = Buffer.from(token, "base64url");
    if (bytes.length <= macLength || bytes.toString("base64url") !== token) throw badToken("it is not base64url of a token");
    const payload = bytes.subarray(0, bytes.length - macLength);
    if (!timingSafeEqual(mac(payload), bytes.subarray(payload.length))) throw badToken("its signature does not match (tampered, or made by another mesh)");
    return decode(payload);
  };

  const readOrNone = (token: string | undefined): TokenEvent[] => {
    if (token === undefined) return [];
    try {
      return read(token);
    } catch {
      return [];
    }
  };

  return {
    read,
    issue(events, tokens = []) {
      const named = new Map<string, TokenEvent>();
      for (const token of tokens) for (const event of readOrNone(token)) named.set(event.id, event);
      for (const event of events) named.set(event.id, tokenEventOf(event));
      const horizon = now() - horizonMs;
      const kept = [...named.values()]
        .filter((event) => event.writtenAt === null || event.writtenAt >= horizon)
        .sort((a, b) => newestFirst(a.writtenAt, b.writtenAt))
        .slice(0, maxTokenEvents);
      if (kept.length === 0) return undefined;
      const payload = encode(kept);
      return Buffer.concat([payload, mac(payload)]).toString("base64url");
    },
  };
}

/** The token a request answers with: what it produced and its peers answered, with the token it came with; none for a read. */
export function answerTokenOf(tokens: ConsistencyTokens, scope: ConsistencyScope | undefined): string | undefined {
  if (!scope || (scope.produced.length === 0 && scope.received.length === 0)) return undefined;
  return tokens.issue(scope.produced, [scope.readAfter, ...scope.received]);
}

/** Events of unknown time first (they are never dropped as old), then the newest. */
function newestFirst(a: number | null, b: number | null): number {
  return (b ?? Number.MAX_SAFE_INTEGER) - (a ?? Number.MAX_SAFE_INTEGER);
}

function tokenEventOf(event: ProducedEvent): TokenEvent {
  const owner = event.subject.split(".")[0]!;
  return { owner, tag: subjectTag(event.subject), id: event.id, writtenAt: writtenAtOf(parseUuid(event.id)) };
}

function badToken(reason: string): DomainError {
  const message = `${consistencyTokenHeader}: not a consistency token of this mesh: ${reason}`;
  return new DomainError("BAD_INPUT", message, { fields: [{ path: consistencyTokenHeader, message: reason }] });
}

/** version, stream count, then per stream: owner (length + UTF-8), event count, per event: tag (4 bytes) + id (16 bytes). */
function encode(events: readonly TokenEvent[]): Buffer {
  const byOwner = new Map<string, TokenEvent[]>();
  for (const event of events) byOwner.set(event.owner, [...(byOwner.get(event.owner) ?? []), event]);
  const parts: Buffer[] = [Buffer.from([formatVersion, byOwner.size])];
  for (const [owner, ofOwner] of byOwner) {
    const name = Buffer.from(owner, "utf8");
    if (name.length > 255) throw new Error(`stream owner ${owner.slice(0, 40)}… is too long for a consistency token`);
    parts.push(Buffer.from([name.length]), name, Buffer.from([ofOwner.length]));
    for (const event of ofOwner) {
      const tag = Buffer.alloc(4);
      tag.writeUInt32BE(event.tag);
      parts.push(tag, Buffer.from(parseUuid(event.id)));
    }
  }
  return Buffer.concat(parts);
}

function decode(payload: Buffer): TokenEvent[] {
  let at = 0;
  const take = (length: number): Buffer => {
    if (at + length > payload.length) throw badToken("it ends too soon");
    const slice = payload.subarray(at, at + length);
    at += length;
    return slice;
  };
  if (take(1)[0] !== formatVersion) throw badToken("unknown format version");
  const events: TokenEvent[] = [];
  for (let streams = take(1)[0]!; streams > 0; streams -= 1) {
    const owner = take(take(1)[0]!).toString("utf8");
    for (let count = take(1)[0]!; count > 0; count -= 1) {
      const tag = take(4).readUInt32BE(0);
      const id = take(idLength);
      events.push({ owner, tag, id: stringifyUuid(id), writtenAt: writtenAtOf(id) });
    }
  }
  if (at !== payload.length || events.length > maxTokenEvents) throw badToken("it has more than it should");
  return events;
}
