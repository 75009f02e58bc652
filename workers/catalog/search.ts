/**
 * Product search over the FTS5 index `products_fts` (see migrations/catalog/*_fts.sql).
 * The user's text never reaches FTS5 as syntax: it is cut into words, each word is quoted as
 * an FTS5 string, and the last one becomes a prefix ("red sho" finds "red shoes"; the index keeps
 * one-, two- and three-letter prefixes, migration 0006, so even "red s" is an index lookup).
 */
import { inArray, sql } from "drizzle-orm";
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

/** Products matching every word, best first by bm25 (a name match weighs most, then sku, attributes, description). */
export function searchProducts(db: CatalogDb, input: SearchProductsInput): Product[] {
  const query = toFtsQuery(input.q);
  if (!query) return [];
  // One read transaction so the ranking and the rows come from the same snapshot.
  return db.transaction((tx) => {
    const ranked = tx.all<{ id: string }>(sql`
      SELECT r.product_id AS id
      FROM products_fts
      JOIN product_search_rows r ON r.search_rowid = products_fts.rowid
      WHERE products_fts MATCH ${query}
      ORDER BY bm25(products_fts, 10.0, 1.0, 5.0, 2.0), r.product_id
      LIMIT ${input.limit}`);
    if (ranked.length === 0) return [];
    const rows = tx
      .select()
      .from(products)
      .where(
        inArray(
          products.id,
          ranked.map((hit) => hit.id),
        ),
      )
      .all();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ranked.flatMap((hit) => {
      const row = byId.get(hit.id);
      return row ? [toProduct(row)] : [];
    });
  });
}
