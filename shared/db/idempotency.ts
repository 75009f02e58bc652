/**
 * Writes made idempotent by the caller's Idempotency-Key. The key is remembered by the worker that
 * owns what the write makes, in its own DB and in the write's own transaction (the gateway owns no
 * data and may restart): a repeat of the same request finds the key and answers with what the
 * first one made, writing nothing; the key sent with a different request is refused (CONFLICT).
 * A write that must ask peers before writing (orders' place) looks the key up before asking, to
 * answer a repeat at once, and again in its write's transaction, where a concurrent repeat that
 * wrote meanwhile is found (the transaction is IMMEDIATE: one writer at a time).
 *
 * @example
 *   export const idempotencyKeys = idempotencyKeysTable();                        // schema.ts
 *   const keyed = keyedWrite(input.idempotencyKey, { email, name }, "registration");
 *   db.transaction((tx) => {
 *     const earlier = keyed && resourceOfKey(tx, idempotencyKeys, keyed);
 *     if (earlier) return userById(tx, earlier);
 *     tx.insert(users).values(row).run();  // and its event
 *     if (keyed) rememberKey(tx, idempotencyKeys, keyed, row.id, now);
 *   }, { behavior: "immediate" });
 */
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import type { WorkerDb, WorkerTx } from "./db";
import { DomainError } from "../core/errors";

/** What a keyed procedure accepts as its `idempotencyKey` (the gateway checks the header the same way). */
export const idempotencyKeyInput = z.string().min(1).max(200);

export function idempotencyKeysTable() {
  return sqliteTable("idempotency_keys", {
    key: text("key").primaryKey(),
    /** The id of what the first request with this key made. */
    resourceId: text("resource_id").notNull(),
    /** sha256 of the first request, so the key sent again with another request is refused. */
    requestFingerprint: text("request_fingerprint").notNull(),
    createdAt: integer("created_at").notNull(),
  });
}

export type IdempotencyKeysTable = ReturnType<typeof idempotencyKeysTable>;

export interface KeyedWrite {
  key: string;
  fingerprint: string;
  /** What the request does, named in the refusal of a reused key ("registration", "product"). */
  what: string;
}

/** JSON with object keys sorted at every depth, so the same request always reads the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, field]) => `${JSON.stringify(name)}:${canonicalJson(field)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The key and the request's fingerprint, or undefined for a request sent without a key. */
export function keyedWrite(key: string | undefined, request: unknown, what: string): KeyedWrite | undefined {
  if (key === undefined) return undefined;
  return { key, fingerprint: createHash("sha256").update(canonicalJson(request)).digest("hex"), what };
}

/**
 * The id of what an earlier request with this key made, or undefined when the key is new.
 * Throws CONFLICT, naming the key, when the earlier request was a different one.
 */
export function resourceOfKey(tx: WorkerTx<any> | WorkerDb<any>, table: IdempotencyKeysTable, keyed: KeyedWrite): string | undefined {
  const earlier = tx.select().from(table).where(eq(table.key, keyed.key)).get();
  if (!earlier) return undefined;
  if (earlier.requestFingerprint !== keyed.fingerprint) {
    throw new DomainError("CONFLICT", `Idempotency-Key ${keyed.key} was already used for a different ${keyed.what}; a new request needs a new key`, { idempotencyKey: keyed.key });
  }
  return earlier.resourceId;
}

/** Remembers the key with what the write made; call it in the write's transaction. */
export function rememberKey(tx: WorkerTx<any> | WorkerDb<any>, table: IdempotencyKeysTable, keyed: KeyedWrite, resourceId: string, now: Date): void {
  tx.insert(table).values({ key: keyed.key, resourceId, requestFingerprint: keyed.fingerprint, createdAt: now.getTime() }).run();
}
