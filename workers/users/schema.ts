/** users owns the user accounts; email is unique without regard to case. */
import { sqliteTable, text, integer, uniqueIndex } from "drizzle-orm/sqlite-core";
import { outboxTable } from "../../shared/events/tables";
import { idempotencyKeysTable } from "../../shared/db/idempotency";

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    /** Lower-cased email: the unique key, so "Ann@x.io" and "ann@x.io" are one account. */
    emailKey: text("email_key").notNull(),
    /** Being renamed to display_name (expand/contract, docs/expand-contract.md): still written, no longer read once step 2 ships. */
    name: text("name").notNull(),
    /** Read since step 2. Nullable while the previous release (writes only `name`) may run; an insert trigger fills it. */
    displayName: text("display_name"),
    createdAt: text("created_at").notNull(),
  },
  (table) => [uniqueIndex("users_email_key_unique").on(table.emailKey)],
);

export type UserRow = typeof users.$inferSelect;

/** The input of a registration is part of users' call contract (contract.ts). */
export type { RegisterUserInput } from "./contract";

/**
 * The Idempotency-Keys of keyed registrations. A table of its own rather than columns of users:
 * users is rebuilt by the pending contract step of its rename (docs/expand-contract.md).
 */
export const idempotencyKeys = idempotencyKeysTable();

/** Events waiting for the relay; written in the same transaction as the change. */
export const outbox = outboxTable();
