/**
 * Product search over the FTS5 index `products_fts` (see migrations/catalog/*_fts.sql).
 * The user's text never reaches FTS5 as syntax: it is cut into words, each word is quoted as
 * an FTS5 string, and the last one becomes a prefix ("red sho" finds "red shoes"; the index keeps
 * one-, two- and three-letter prefixes, migration 0006, so even "red s" is an index lookup).
 */
import { inArray, sql, type SQL } from "drizzle-orm";
import { cursorOf, notThisListsCursor, pageOf, type CursorKey, type Page } from "../../shared/db/paging";
import { products, type SearchProductsInput } from "./schema";
import { toProduct, type CatalogDb, type Product } from "./service";

/** More words than this add cost and no precision. */
const maxTerms = 16;

/**
 * The FTS5 query for a user's text, or null when it has no words. Words are runs of letters,
 * digits and marks: what FTS5's unicode61 tokenizer keeps; everything else (quotes, brackets,
 * `:`, `*`, `-`) separates words. Quoting each word makes AND/OR/NOT/NEAR plain words.
 *
 * @example toFtsQuery('red "sho') === '"red" "sho"*'
 */
export function toFtsQuery(text: string): string | null {
  const words = (text.match(/[\p{L}\p{N}\p{M}\p{Co}]+/gu) ?? []).slice(0, maxTerms);
  if (words.length === 0) return null;
  const quoted = words.map((word) => `"${word.replaceAll('"', '""')}"`);
  return `${quoted.join(" ")}*`;
}

/** The rows after a page's last (rank, id) in best-match order; none on the first page. */
function afterRanked(after: CursorKey | undefined): SQL {
  if (after === undefined) return sql``;
  if (after.length !== 2 || typeof after[0] !== "number") throw notThisListsCursor();
  return sql`WHERE (rank, id) > (${after[0]}, ${after[1]})`;
}

/** The ids of a page of matches and one more (it says there is a next page), best first. */
function rankedMatches(tx: CatalogDb, query: string, input: SearchProductsInput) {
  return tx.all<{ rank: number; id: string }>(sql`
    SELECT rank, id FROM (
      SELECT bm25(products_fts, 10.0, 1.0, 5.0, 2.0) AS rank, r.product_id AS id
      FROM products_fts
      JOIN product_search_rows r ON r.search_rowid = products_fts.rowid
      WHERE products_fts MATCH ${query})
    ${afterRanked(cursorOf(input.cursor))}
    ORDER BY rank, id
    LIMIT ${input.limit + 1}`);
}

/** The products of these ids, in their order. */
function productsInOrder(tx: CatalogDb, ids: string[]): Product[] {
  if (ids.length === 0) return [];
  const byId = new Map(
    tx
      .select()
      .from(products)
      .where(inArray(products.id, ids))
      .all()
      .map((row) => [row.id, row]),
  );
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [toProduct(row)] : [];
  });
}

/**
 * A page of the products matching every word, best first by bm25 (a name match weighs most, then
 * sku, attributes, description), ties by id: keyset paging on (rank, id), the cursor holding the
 * last row's rank and id, the next page the matches after it for the same query. Exact while the
 * catalog is unchanged; a product written between pages moves bm25's weights (they depend on the
 * whole index), so a later page may then skip or repeat a match whose rank moved.
 */
export function searchProducts(db: CatalogDb, input: SearchProductsInput): Page<Product> {
  const query = toFtsQuery(input.q);
  if (!query) return { items: [], nextCursor: null };
  // One read transaction so the ranking and the rows come from the same snapshot.
  return db.transaction((tx) => {
    const page = pageOf(
      rankedMatches(tx, query, input),
      input.limit,
      (hit) => [hit.rank, hit.id],
      (hit) => hit.id,
    );
    return { items: productsInOrder(tx, page.items), nextCursor: page.nextCursor };
  });
}
