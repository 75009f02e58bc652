/**
 * Queries the kit runs on every worker's database (the outbox insert, the inbox check, the relay's
 * marks), prepared once per database with placeholders instead of built by Drizzle on each call.
 * The kit code that runs them gets a table and a transaction, not the database, so each database
 * (openWorkerDatabase) owns a memo of its prepared queries, attached to the database handle and to
 * every transaction it opens; a query is prepared on first use, keyed by its table and a name.
 * A handle the kit did not open has no memo: the query is then built for that one call.
 *
 * Prepared queries of a database also run inside its transactions (one connection, synchronous;
 * a transaction's session is the database's).
 *
 * @example
 *   const insert = preparedQuery(tx, outbox, "enqueue", () => tx.insert(outbox).values({ ... sql.placeholder(...) }).prepare());
 *   insert.run({ ... });
 */

export interface PreparedMemo {
  get<T>(table: object, name: string, build: () => T): T;
}

export function createPreparedMemo(): PreparedMemo {
  const byTable = new Map<object, Map<string, unknown>>();
  return {
    get<T>(table: object, name: string, build: () => T): T {
      let named = byTable.get(table);
      if (!named) byTable.set(table, (named = new Map()));
      if (!named.has(name)) named.set(name, build());
      return named.get(name) as T;
    },
  };
}

const memoKey = Symbol("bunmesh.preparedQueries");

/** Attaches a database's memo to the database handle or to one of its transactions. */
export function attachPreparedMemo(handle: object, memo: PreparedMemo): void {
  (handle as { [memoKey]?: PreparedMemo })[memoKey] = memo;
}

/** The query named `name` of `table`, prepared once for the database `handle` belongs to (built per call without a memo). */
export function preparedQuery<T>(handle: object, table: object, name: string, build: () => T): T {
  const memo = (handle as { [memoKey]?: PreparedMemo })[memoKey];
  return memo ? memo.get(table, name, build) : build();
}
