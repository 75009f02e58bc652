/**
 * Compiled SQLite statements kept by their SQL text, owned by one worker database.
 *
 * Drizzle's bun:sqlite session compiles a new statement for every query it runs
 * (`client.prepare(sql)`), and under load compiling costs more than running the small indexed
 * reads and writes a worker does (a third of inventory's transaction time in the orders bench
 * profile; bench/FINDINGS.md). Drizzle writes the same SQL text for the same query shape, so the
 * statements of one-off queries are kept and handed out again. Safe because every use of such a
 * statement (run, get, all, values) binds, steps to the end and resets it synchronously, on the
 * worker's one connection. Bounded (least recently used out, and finalized then) since
 * `IN (?, ?, …)` lists make a shape per list length.
 *
 * Queries prepared once with Drizzle's `.prepare()` keep their own statement, compiled outside the
 * cache, so no eviction can finalize a statement something still holds. The cache is a client
 * wrapping the driver's (handed to drizzle in place of it) plus one hook on that database's session
 * telling one-off queries from `.prepare()`d ones; the driver object itself is not patched.
 *
 * @example
 *   const cache = createStatementCache(new Database(file));
 *   const db = drizzle({ client: cache.client, schema });
 *   cache.serveOneTimeQueries(db);
 */

/** What the cache needs of a driver's connection: the three methods Drizzle's bun:sqlite session calls. */
export interface StatementClient<Statement> {
  prepare(sql: string, ...rest: never[]): Statement;
  exec(sql: string, ...rest: never[]): unknown;
  transaction(fn: (...args: never[]) => unknown): unknown;
}

export interface StatementCache<Statement> {
  /** Hand this to drizzle instead of the driver's client. */
  client: StatementClient<Statement>;
  /** Makes the database's one-off queries take cached statements (`.prepare()`d queries still compile their own). */
  serveOneTimeQueries(db: object): void;
  /** Statements held now. */
  size(): number;
}

type Finalizable = { finalize?: () => void };

export function createStatementCache<Statement extends Finalizable>(driver: StatementClient<Statement>, capacity = 512): StatementCache<Statement> {
  const statements = new Map<string, Statement>();
  let oneTime = false;
  const cached = (sql: string): Statement => {
    const hit = statements.get(sql);
    if (hit !== undefined) {
      statements.delete(sql);
      statements.set(sql, hit);
      return hit;
    }
    const statement = driver.prepare(sql);
    statements.set(sql, statement);
    if (statements.size > capacity) evictOldest(statements);
    return statement;
  };
  const client: StatementClient<Statement> = {
    // Statements prepared with bound parameters or options, or by a `.prepare()`d query, are the caller's own.
    prepare: (sql, ...rest) => (oneTime && rest.length === 0 ? cached(sql) : driver.prepare(sql, ...rest)),
    exec: (sql, ...rest) => driver.exec(sql, ...rest),
    transaction: (fn) => driver.transaction(fn),
  };
  return {
    client,
    serveOneTimeQueries(db) {
      const session = (db as { session: OneTimeSession }).session;
      const prepareQuery = session.prepareQuery.bind(session);
      session.prepareOneTimeQuery = (...args: unknown[]) => {
        oneTime = true;
        try {
          return prepareQuery(...args);
        } finally {
          oneTime = false;
        }
      };
    },
    size: () => statements.size,
  };
}

/** Drizzle's SQLite session: one-off queries go through prepareOneTimeQuery, `.prepare()` through prepareQuery. */
interface OneTimeSession {
  prepareQuery(...args: unknown[]): unknown;
  prepareOneTimeQuery(...args: unknown[]): unknown;
}

/** Nothing else holds a cached statement between queries (each use is synchronous), so it is freed at once. */
function evictOldest<Statement extends Finalizable>(statements: Map<string, Statement>): void {
  const [sql, statement] = statements.entries().next().value!;
  statements.delete(sql);
  statement.finalize?.();
}
