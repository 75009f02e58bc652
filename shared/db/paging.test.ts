import { describe, expect, it } from "vitest";
import { z } from "zod";
import { sql } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { DomainError } from "../core/errors";
import { cursorOf, decodeCursor, encodeCursor, keysetBefore, pageInput, pageOf } from "./paging";

const input = z.strictObject({ ...pageInput });

describe("paging", () => {
  it("takes a limit of 1–100, 20 when none is given, and refuses 0, 101 and a string naming `limit`", () => {
    expect(input.parse({})).toEqual({ limit: 20 });
    expect(input.parse({ limit: 100 }).limit).toBe(100);
    for (const limit of [0, 101, "x", 2.5]) {
      const result = input.safeParse({ limit });
      expect(result.success).toBe(false);
      expect(result.error!.issues.map((issue) => issue.path)).toEqual([["limit"]]);
    }
  });

  it("round-trips a cursor's key and refuses a tampered, truncated or foreign one naming `cursor`", () => {
    const cursor = encodeCursor([1733600000000, "0193abc"]);
    expect(decodeCursor(cursor)).toEqual([1733600000000, "0193abc"]);
    expect(input.parse({ cursor }).cursor).toBe(cursor);
    const foreign = Buffer.from('{"a":1}').toString("base64url");
    // Any one character changed, even inside the key where the edit still decodes to a key, is refused by the check.
    const edits = [...cursor].map((c, i) => cursor.slice(0, i) + (c === "A" ? "B" : "A") + cursor.slice(i + 1));
    for (const bad of [...edits, cursor.slice(0, -3), `${cursor}!`, `${cursor}x`, `${cursor}xx`, "x", foreign, Buffer.from("[]").toString("base64url"), ""]) {
      const result = input.safeParse({ cursor: bad });
      expect(result.success, bad).toBe(false);
      expect(result.error!.issues.map((issue) => issue.path)).toEqual([["cursor"]]);
    }
  });

  it("pages rows fetched as limit + 1: the extra row only says there is a next page, whose cursor is the last item's key", () => {
    const rows = [5, 4, 3].map((n) => ({ n, id: `i${n}` }));
    const full = pageOf(
      rows,
      2,
      (row) => [row.n, row.id],
      (row) => row.id,
    );
    expect(full.items).toEqual(["i5", "i4"]);
    expect(cursorOf(full.nextCursor!)).toEqual([4, "i4"]);
    expect(pageOf(rows.slice(0, 2), 2, (row) => [row.n, row.id])).toEqual({ items: rows.slice(0, 2), nextCursor: null });
    expect(pageOf([], 20, () => [])).toEqual({ items: [], nextCursor: null });
  });

  it("builds the keyset condition as a row-value comparison, none on the first page, and refuses a cursor of another list's shape as a 400 naming `cursor`", () => {
    const dialect = new SQLiteSyncDialect();
    const [a, b] = [sql.raw('"updated_at"'), sql.raw('"order_id"')];
    expect(keysetBefore([a, b], undefined)).toBeUndefined();
    const built = dialect.sqlToQuery(keysetBefore([a, b], [7, "o1"])!);
    expect(built).toMatchObject({ sql: '("updated_at", "order_id") < (?, ?)', params: [7, "o1"] });
    expect(dialect.sqlToQuery(keysetBefore([b], ["o1"])!).sql).toBe('"order_id" < ?');
    try {
      keysetBefore([a, b], ["o1"]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("BAD_INPUT");
      expect((error as DomainError).details).toEqual({ fields: [{ path: "cursor", message: "cursor is not one a page of this list gave" }] });
    }
  });
});
