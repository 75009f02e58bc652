/** users' domain logic: register, look up and list accounts. Functions of (db, input). */
import { eq, desc, inArray } from "drizzle-orm";
import { cursorOf, keysetBefore, pageOf, type Page } from "../../shared/db/paging";
import { DomainError } from "../../shared/core/errors";
import { newId } from "../../shared/core/ids";
import type { WorkerDb, WorkerTx } from "../../shared/db/db";
import { enqueueEvent } from "../../shared/events/enqueue";
import { keyedWrite, rememberKey, resourceOfKey } from "../../shared/db/idempotency";
import { idempotencyKeys, outbox, users, type RegisterUserInput, type UserRow } from "./schema";
import { userRegistered } from "./events";
import * as schema from "./schema";

import type { User } from "./contract";
import type { UsersDb } from "./deps";
import type { UsersQueries } from "./queries";
export type { UsersDb };
type UsersTx = WorkerTx<typeof schema>;

export type { User };

/** The public `name` is read from display_name (the storage rename leaves the API as it is). */
function toUser(row: UserRow): User {
  // Never null once migration 0002 ran (backfill + insert trigger); if it is, say so loudly rather than guess.
  if (row.displayName === null) throw new Error(`user ${row.id} has no display_name: is migrations/users/0002 applied?`);
  return { id: row.id, email: row.email, name: row.displayName, createdAt: row.createdAt };
}

/**
 * Registers an account. With an Idempotency-Key, a repeat of the same registration answers with
 * the account the first one made and writes nothing; the key sent with another email or name is refused.
 */
export function registerUser(db: UsersDb, input: RegisterUserInput, now: Date): User {
  const emailKey = input.email.toLowerCase();
  const keyed = keyedWrite(input.idempotencyKey, { email: input.email, name: input.name }, "registration");
  return db.transaction(
    (tx) => {
      // Before the email check: a retried registration would otherwise find its own email taken.
      const earlier = keyed && resourceOfKey(tx, idempotencyKeys, keyed);
      if (earlier) return getUser(tx, earlier);
      const taken = tx.select({ id: users.id }).from(users).where(eq(users.emailKey, emailKey)).get();
      if (taken) throw new DomainError("CONFLICT", `email ${input.email} is already registered`, { field: "email" });
      // Writes both columns while users.name is renamed to display_name (docs/expand-contract.md).
      const row: UserRow = { id: newId(), email: input.email, emailKey, name: input.name, displayName: input.name, createdAt: now.toISOString() };
      tx.insert(users).values(row).run();
      if (keyed) rememberKey(tx, idempotencyKeys, keyed, row.id, now);
      // Personal data (email) stays in users: the event carries only what consumers need.
      enqueueEvent(tx, outbox, userRegistered, { userId: row.id, name: row.name, registeredAt: row.createdAt }, { aggregateId: row.id, now });
      return toUser(row);
    },
    { behavior: "immediate" },
  );
}

export function getUser(db: UsersDb | UsersTx, id: string): User {
  const row = db.select().from(users).where(eq(users.id, id)).get();
  if (!row) throw new DomainError("NOT_FOUND", `user ${id} not found`, { id });
  return toUser(row);
}

/** getUser through the worker's prepared query (queries.ts): the saga asks it for every order. */
export function getUserById(queries: UsersQueries, id: string): User {
  const row = queries.userById.get({ id });
  if (!row) throw new DomainError("NOT_FOUND", `user ${id} not found`, { id });
  return toUser(row);
}

export function getUsers(db: UsersDb, ids: string[]): User[] {
  if (ids.length === 0) return [];
  return db.select().from(users).where(inArray(users.id, ids)).all().map(toUser);
}

/** Pages through users in id (= creation) order; `after` is the last id of the previous page. */
export function listUsers(db: UsersDb, page: { limit: number; cursor?: string | undefined }): Page<User> {
  const rows = db
    .select()
    .from(users)
    .where(keysetBefore([users.id], cursorOf(page.cursor)))
    .orderBy(desc(users.id))
    .limit(page.limit + 1)
    .all();
  return pageOf(rows, page.limit, (row) => [row.id], toUser);
}
