/**
 * catalog's hot reads, prepared once per worker (createCatalogWorker builds them on its DB and
 * hands them to the procedures): Drizzle otherwise rebuilds the SQL and looks up its statement on
 * every call (~10× the cost of the prepared read; bench/FINDINGS.md). Imports only the tables.
 */
import { eq, sql } from "drizzle-orm";
import type { WorkerDb } from "../../shared/db/db";
import { products } from "./schema";
import type * as schema from "./schema";

export function prepareCatalogQueries(db: WorkerDb<typeof schema>) {
  return {
    productById: db
      .select()
      .from(products)
      .where(eq(products.id, sql.placeholder("id")))
      .prepare(),
    /** The products of a JSON array of ids: one statement for any number of them (the saga's price check). */
    productsByIds: db
      .select()
      .from(products)
      .where(sql`${products.id} in (select value from json_each(${sql.placeholder("ids")}))`)
      .prepare(),
  };
}

export type CatalogQueries = ReturnType<typeof prepareCatalogQueries>;
