/**
 * The one paging mechanism of every list: a `limit` (default 20, at most 100) and an opaque
 * `cursor`, keyset paging on an index (never OFFSET), and the answer `{ items, nextCursor }`.
 * A cursor is base64url of the last row's sort key and id, then a check of it (so an edited or
 * truncated one is refused); one that does not decode is a 400
 * naming `cursor` (a zod issue), never a 500.
 *
 * @example
 *   const input = z.strictObject({ customerId: id, ...pageInput });
 *   const after = cursorOf(input.cursor);
 *   const rows = db.select().from(t).where(and(eq(t.owner, owner), keysetBefore([t.createdAt, t.id], after)))
 *     .orderBy(desc(t.createdAt), desc(t.id)).limit(input.limit + 1).all();
 *   return pageOf(rows, input.limit, (row) => [row.createdAt, row.id]);
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { DomainError } from "../core/errors";

/** A row's place in its list's order: its sort key(s) then its id, as the ORDER BY names them. */
export type CursorKey = readonly (string | number)[];

const keySchema = z
  .array(z.union([z.string().max(200), z.number().finite()]))
  .min(1)
  .max(4);

const checkLength = 8;
/** 8 base64url characters of the key's sha256: an edited or truncated cursor no longer matches (a check, not a secret). */
const checkOf = (encodedKey: string) => createHash("sha256").update(encodedKey).digest("base64url").slice(0, checkLength);

export function encodeCursor(key: CursorKey): string {
  const encodedKey = Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
  return encodedKey + checkOf(encodedKey);
}

/** The key a cursor holds, or undefined when it is not one a page gave (tampered, truncated, not base64url). */
export function decodeCursor(cursor: string): CursorKey | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length <= checkLength) return undefined;
  const encodedKey = cursor.slice(0, -checkLength);
  if (checkOf(encodedKey) !== cursor.slice(-checkLength)) return undefined;
  try {
    const parsed = keySchema.safeParse(JSON.parse(Buffer.from(encodedKey, "base64url").toString("utf8")));
    // Only the one text a page gives for its key: base64url decoding ignores stray trailing characters.
    return parsed.success && encodeCursor(parsed.data) === cursor ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const cursorProblem = "cursor is not one a page of this list gave";

/** A well-formed cursor of another list (another key length): a 400 naming `cursor`, as zod's own refusal does. */
export function notThisListsCursor(): DomainError {
  return new DomainError("BAD_INPUT", `invalid input: cursor: ${cursorProblem}`, { fields: [{ path: "cursor", message: cursorProblem }] });
}

/** The input fields of every paged list: spread them into the list's strict object. */
export const pageInput = {
  limit: z.number().int().min(1).max(100).default(20).describe("How many items a page holds (1–100, default 20)"),
  cursor: z
    .string()
    .max(512)
    .refine((cursor) => decodeCursor(cursor) !== undefined, cursorProblem)
    .optional()
    .describe("The nextCursor of the previous page; none for the first page"),
};

/** The decoded key of an input's cursor (already checked by pageInput), or undefined on the first page. */
export function cursorOf(cursor: string | undefined): CursorKey | undefined {
  return cursor === undefined ? undefined : decodeCursor(cursor);
}

/**
 * `(col1, col2, …) < (?, ?, …)`: the rows after the cursor in a descending order of these columns,
 * a range of the index whose columns end with them; undefined (no condition) on the first page.
 * A cursor of another length than the columns is refused (a cursor of another list).
 */
export function keysetBefore(columns: readonly SQLWrapper[], key: CursorKey | undefined): SQL | undefined {
  if (key === undefined) return undefined;
  if (key.length !== columns.length) throw notThisListsCursor();
  const left = sql.join(
    columns.map((column) => sql`${column}`),
    sql`, `,
  );
  const right = sql.join(
    key.map((value) => sql`${value}`),
    sql`, `,
  );
  return columns.length === 1 ? sql`${left} < ${right}` : sql`(${left}) < (${right})`;
}

/** The answer of a paged list: `nextCursor` null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The page answer's schema, for a list's `answers(...)` and the OpenAPI document. */
export function pageOutput<T extends z.ZodType>(item: T) {
  return z.strictObject({
    items: z.array(item),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
  });
}

/** A page from the rows of a query that asked for `limit + 1`: the extra row only says there is a next page. */
export function pageOf<Row, T = Row>(rows: readonly Row[], limit: number, keyOf: (row: Row) => CursorKey, toItem: (row: Row) => T = (row) => row as unknown as T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(toItem), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
