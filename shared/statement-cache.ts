/**
 * Drizzle's bun:sqlite session compiles a new SQLite statement for every query it runs
 * (`client.prepare(sql)`), and under load compiling costs more than running the small indexed
 * reads and writes a worker does (a third of inventory's transaction time in the orders bench
 * profile). Drizzle writes the same SQL text for the same query shape, so compiled statements are
 * kept by their text and handed out again. Safe because every use of a statement (run, get, all,
 * values) binds, steps to the end and resets it synchronously, on the worker's one connection.
 * Bounded (least recently used out) since `IN (?, ?, …)` lists make a shape per list length.
 * Evicted statements are not finalized: a query prepared once with Drizzle's `.prepare()` may
 * still hold one, and it is freed when that is dropped.
 */
export function cacheStatements<Statement>(client: { prepare(sql: string, ...rest: never[]): Statement }, capacity = 512): void {
  const compile = client.prepare.bind(client) as (sql: string, ...rest: never[]) => Statement;
  const statements = new Map<string, Statement>();
  client.prepare = (sql: string, ...rest: never[]): Statement => {
    // Statements prepared with bound parameters or options are the caller's own: not shared.
    if (rest.length > 0) return compile(sql, ...rest);
    const cached = statements.get(sql);
    if (cached !== undefined) {
      statements.delete(sql);
      statements.set(sql, cached);
      return cached;
    }
    const statement = compile(sql);
    statements.set(sql, statement);
    if (statements.size > capacity) statements.delete(statements.keys().next().value!);
    return statement;
  };
}
