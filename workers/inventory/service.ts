/**
 * inventory's domain logic: stock levels and reservations against them. Functions of (db, input).
 * Every change runs in one immediate transaction (the write lock is taken up front, so two
 * reservations never both read the same availability) and enqueues its event in it.
 */
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { cursorOf, keysetBefore, pageOf, type Page } from "../../shared/db/paging";
import { DomainError } from "../../shared/core/errors";
import type { WorkerDb, WorkerTx } from "../../shared/db/db";
import { enqueueEvent } from "../../shared/events/enqueue";
import type { EventDefinition } from "../../shared/events/envelope";
import * as schema from "./schema";
import { outbox, reservationLines, reservations, stock, stockReturns } from "./schema";
import type { ReservationFailure, ReservationLine, ReservationRow, ReservationStatus, ReserveInput, SetStockInput } from "./schema";
import { reservationCommitted, reservationReleased, reservationReserved, stockAdjusted } from "./events";

import type { Stock } from "./contract";
import type { InventoryDb } from "./deps";
import type { InventoryQueries } from "./queries";
export type { InventoryDb };
type InventoryTx = WorkerTx<typeof schema>;

/** A stock level as the API answers it (contract.ts); the events' levels carry the row's version as well. */
export type { Stock };
type VersionedLevel = Stock & { version: number };
export interface Reserved {
  orderId: string;
  status: "RESERVED";
  lines: ReservationLine[];
}
export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  createdAt: string;
  updatedAt: string;
}

const immediate = { behavior: "immediate" } as const;

export function levelsOf(tx: InventoryTx | InventoryDb, productIds: string[]): VersionedLevel[] {
  return levelsFromRows(productIds.length === 0 ? [] : tx.select().from(stock).where(inArray(stock.productId, productIds)).all(), productIds);
}

/** levelsOf through the prepared statement (the order path). */
function preparedLevels(q: InventoryQueries, productIds: string[]): VersionedLevel[] {
  return levelsFromRows(q.stockOf.all({ productIds: JSON.stringify(productIds) }), productIds);
}

function levelsFromRows(rows: (typeof stock.$inferSelect)[], productIds: string[]): VersionedLevel[] {
  const byId = new Map(rows.map((row) => [row.productId, row]));
  return productIds.map((productId) => {
    const row = byId.get(productId);
    const onHand = row?.onHand ?? 0;
    const reserved = row?.reserved ?? 0;
    return { productId, onHand, reserved, available: Math.max(0, onHand - reserved), version: row?.version ?? 0 };
  });
}

function answered({ productId, onHand, reserved, available }: VersionedLevel): Stock {
  return { productId, onHand, reserved, available };
}

/**
 * The version a stock row takes on a change: one more than before, and at least the change's time
 * in ms. The clock keeps versions rising across a restore of inventory from a backup, whose rows
 * hold older versions than levels it had already published; a plain counter would then repeat them.
 */
export const nextVersion = (now: Date) => sql`max(${stock.version} + 1, ${now.getTime()})`;

export function getStock(db: InventoryDb, productId: string): Stock {
  return answered(levelsOf(db, [productId])[0]!);
}

export function getStocks(db: InventoryDb, productIds: string[]): Stock[] {
  return levelsOf(db, productIds).map(answered);
}

export function setStock(db: InventoryDb, input: SetStockInput, now: Date): Stock {
  return db.transaction((tx) => {
    const [before] = levelsOf(tx, [input.productId]);
    if (input.onHand < before!.reserved) {
      throw new DomainError("CONFLICT", `product ${input.productId} has ${before!.reserved} reserved; on hand cannot be set to ${input.onHand}`, {
        productId: input.productId,
        onHand: input.onHand,
        reserved: before!.reserved,
      });
    }
    const exists = tx.select({ productId: stock.productId }).from(stock).where(eq(stock.productId, input.productId)).get();
    if (exists && before!.onHand === input.onHand) return answered(before!);
    const updatedAt = now.toISOString();
    tx.insert(stock)
      .values({ productId: input.productId, onHand: input.onHand, reserved: 0, updatedAt, version: now.getTime() })
      .onConflictDoUpdate({ target: stock.productId, set: { onHand: input.onHand, updatedAt, version: nextVersion(now) } })
      .run();
    const levels = levelsOf(tx, [input.productId]);
    enqueueEvent(tx, outbox, stockAdjusted, { productId: input.productId, previousOnHand: before!.onHand, levels }, { aggregateId: input.productId, now });
    return answered(levels[0]!);
  }, immediate);
}

/** Quantities per product: an order may name one product on several lines. */
export function quantitiesOf(lines: ReservationLine[]): Map<string, number> {
  const needed = new Map<string, number>();
  for (const line of lines) needed.set(line.productId, (needed.get(line.productId) ?? 0) + line.quantity);
  return needed;
}

export function linesOf(tx: InventoryTx | InventoryDb, orderId: string): ReservationLine[] {
  return tx
    .select({ productId: reservationLines.productId, quantity: reservationLines.quantity })
    .from(reservationLines)
    .where(eq(reservationLines.orderId, orderId))
    .orderBy(asc(reservationLines.position))
    .all();
}

function outOfStock(orderId: string, failure: ReservationFailure): DomainError {
  return new DomainError("OUT_OF_STOCK", `product ${failure.productId} has ${failure.available} available; order ${orderId} asked for ${failure.requested}`, { ...failure });
}

/** A release that came before any reserve leaves a RELEASED row without lines (see releaseReservation). */
function releasedEarly(q: InventoryQueries, row: ReservationRow): boolean {
  return row.status === "RELEASED" && q.linesOf.all({ orderId: row.orderId }).length === 0;
}

type ReserveOutcome = { reserved: Reserved } | { rejected: ReservationFailure };

/**
 * Reserves every line or none. Idempotent by orderId: a repeat answers as the first call did
 * (its lines are not compared: the order id is the key). A rejection is recorded, so a repeat
 * gets the same OUT_OF_STOCK even if stock arrived since.
 */
export function reserveStock(q: InventoryQueries, input: ReserveInput, now: Date): Reserved {
  const outcome = q.db.transaction((tx): ReserveOutcome => {
    const existing = q.reservation.get({ orderId: input.orderId });
    if (existing) return repeatedReserve(q, existing);
    const needed = quantitiesOf(input.lines);
    const failure = preparedLevels(q, [...needed.keys()])
      .map((level) => ({ productId: level.productId, requested: needed.get(level.productId)!, available: level.available }))
      .find((check) => check.requested > check.available);
    const at = now.toISOString();
    const status = failure ? "REJECTED" : "RESERVED";
    q.insertReservation.run({ orderId: input.orderId, status, at, failure: failure ? JSON.stringify(failure) : null });
    input.lines.forEach((line, position) => q.insertLine.run({ orderId: input.orderId, position, productId: line.productId, quantity: line.quantity }));
    if (failure) return { rejected: failure };
    for (const [productId, quantity] of needed) q.moveStock.run({ productId, delta: quantity, onHandDelta: 0, at, nowMs: now.getTime() });
    const levels = preparedLevels(q, [...needed.keys()]);
    enqueueEvent(tx, outbox, reservationReserved, { orderId: input.orderId, lines: input.lines, levels }, { aggregateId: input.orderId, now });
    return { reserved: { orderId: input.orderId, status: "RESERVED", lines: input.lines } };
  }, immediate);
  if ("rejected" in outcome) throw outOfStock(input.orderId, outcome.rejected);
  return outcome.reserved;
}

function repeatedReserve(q: InventoryQueries, existing: ReservationRow): ReserveOutcome {
  const { orderId, status } = existing;
  if (status === "REJECTED") return { rejected: existing.failure! };
  // Reserving again after a release would hold stock for an order its saga already gave up.
  if (status === "RELEASED") throw new DomainError("CONFLICT", `reservation for order ${orderId} was released; it cannot be reserved again`, { orderId, status });
  return { reserved: { orderId, status: "RESERVED", lines: q.linesOf.all({ orderId }) } };
}

/** Moves a RESERVED reservation to `status`, giving back (release) or using up (commit) its stock. */
function settle(q: InventoryQueries, tx: InventoryTx, row: ReservationRow, status: "RELEASED" | "COMMITTED", event: EventDefinition, now: Date): void {
  const lines = q.linesOf.all({ orderId: row.orderId });
  const needed = quantitiesOf(lines);
  const at = now.toISOString();
  for (const [productId, quantity] of needed) {
    q.moveStock.run({ productId, delta: -quantity, onHandDelta: status === "COMMITTED" ? -quantity : 0, at, nowMs: now.getTime() });
  }
  q.setStatus.run({ orderId: row.orderId, status, at });
  const levels = preparedLevels(q, [...needed.keys()]);
  enqueueEvent(tx, outbox, event, { orderId: row.orderId, lines, levels }, { aggregateId: row.orderId, now });
}

/**
 * Gives the stock back. Never reserved → NONE (a success: compensation may run before the
 * reserve arrived). That case leaves a RELEASED row without lines, so a reserve arriving late
 * (a retry after a timeout) is refused instead of holding stock nobody will release.
 */
export function releaseReservation(q: InventoryQueries, orderId: string, now: Date): { orderId: string; status: "RELEASED" | "NONE" } {
  return q.db.transaction((tx) => {
    const row = q.reservation.get({ orderId });
    if (!row) {
      q.insertReservation.run({ orderId, status: "RELEASED", at: now.toISOString(), failure: null });
      return { orderId, status: "NONE" as const };
    }
    if (row.status === "REJECTED" || releasedEarly(q, row)) return { orderId, status: "NONE" as const };
    if (row.status === "COMMITTED") throw new DomainError("CONFLICT", `reservation for order ${orderId} is committed; it cannot be released`, { orderId, status: row.status });
    if (row.status === "RESERVED") settle(q, tx, row, "RELEASED", reservationReleased, now);
    return { orderId, status: "RELEASED" as const };
  }, immediate);
}

/** Uses up the reserved stock: on hand and reserved both go down. */
export function commitReservation(q: InventoryQueries, orderId: string, now: Date): { orderId: string; status: "COMMITTED" } {
  return q.db.transaction((tx) => {
    const row = q.reservation.get({ orderId });
    if (!row) throw new DomainError("NOT_FOUND", `reservation for order ${orderId} not found`, { orderId });
    if (row.status === "RELEASED" || row.status === "REJECTED") {
      const why = row.status === "RELEASED" ? "was released" : "was rejected (out of stock)";
      throw new DomainError("CONFLICT", `reservation for order ${orderId} ${why}; it cannot be committed`, { orderId, status: row.status });
    }
    if (row.status === "RESERVED") settle(q, tx, row, "COMMITTED", reservationCommitted, now);
    return { orderId, status: "COMMITTED" as const };
  }, immediate);
}

/** Reservations as answered: each row with its lines (grouped by order in one pass over lines sorted by order). */
function withLines(rows: ReservationRow[], lines: { orderId: string; productId: string; quantity: number }[]): Reservation[] {
  const linesByOrder = new Map<string, ReservationLine[]>();
  for (const line of lines) {
    const group = linesByOrder.get(line.orderId);
    const entry = { productId: line.productId, quantity: line.quantity };
    if (group) group.push(entry);
    else linesByOrder.set(line.orderId, [entry]);
  }
  return rows.map((row) => ({ orderId: row.orderId, status: row.status, lines: linesByOrder.get(row.orderId) ?? [], createdAt: row.createdAt, updatedAt: row.updatedAt }));
}

/**
 * A page of reservations, newest first (index reservations_created), with their lines; one order's
 * when `orderId` is given. The page's lines in one statement whatever its size (its ids as one JSON parameter).
 */
export function listReservations(db: InventoryDb, filter: { orderId?: string | undefined; limit: number; cursor?: string | undefined }): Page<Reservation> {
  const rows = db
    .select()
    .from(reservations)
    .where(and(filter.orderId ? eq(reservations.orderId, filter.orderId) : undefined, keysetBefore([reservations.createdAt, reservations.orderId], cursorOf(filter.cursor))))
    .orderBy(desc(reservations.createdAt), desc(reservations.orderId))
    .limit(filter.limit + 1)
    .all();
  const page = pageOf(rows, filter.limit, (row) => [row.createdAt, row.orderId]);
  const ids = JSON.stringify(page.items.map((row) => row.orderId));
  const lines = db
    .select()
    .from(reservationLines)
    .where(sql`${reservationLines.orderId} IN (SELECT value FROM json_each(${ids}))`)
    .orderBy(asc(reservationLines.orderId), asc(reservationLines.position))
    .all();
  return { items: withLines(page.items, lines), nextCursor: page.nextCursor };
}

/** Everything inventory owns, read in one transaction (one snapshot): for the mesh's invariant checker. */
export function auditInventory(db: InventoryDb): {
  stock: { productId: string; onHand: number; reserved: number }[];
  reservations: Reservation[];
  returns: { orderId: string; returnedAt: string }[];
} {
  return db.transaction((tx) => {
    const rows = tx.select({ productId: stock.productId, onHand: stock.onHand, reserved: stock.reserved }).from(stock).orderBy(asc(stock.productId)).all();
    const returns = tx.select().from(stockReturns).orderBy(asc(stockReturns.orderId)).all();
    const all = tx.select().from(reservations).orderBy(asc(reservations.createdAt), asc(reservations.orderId)).all();
    const lines = tx.select().from(reservationLines).orderBy(asc(reservationLines.orderId), asc(reservationLines.position)).all();
    return { stock: rows, reservations: withLines(all, lines), returns };
  });
}
