/**
 * What `mesh new` is about to write, decided before anything is written: the worker's names, its
 * place in the mesh, what it has (its own data, events it publishes, an event it consumes), and
 * for a consumed event the read model it feeds. The templates (templates/*.ts) read only this.
 */

/** One column of the consumer's read model, from one top-level field of the event's data. */
export interface ReadModelColumn {
  /** The field of the event's data (and the column's TS name). */
  field: string;
  /** The SQL column: the field in snake_case. */
  sqlName: string;
  kind: "text" | "integer" | "real" | "boolean";
  /** The field may be absent (optional or nullable in the event's schema): a nullable column. */
  optional: boolean;
}

/** The event a consumer handles, and the read model it feeds (one row per key, the latest event's values). */
export interface ConsumedEvent {
  /** The publishing worker (a folder under workers/ with an events.ts). */
  owner: string;
  /** The const its events.ts exports for the event, e.g. `orderConfirmed`. */
  exportName: string;
  /** `<owner>.<entity>.<verb>`, e.g. `orders.order.confirmed`. */
  subject: string;
  /** The read model's table in TS (`confirmedOrders`), in SQL (`confirmed_orders`), one row of it (`confirmedOrder`) and its words (`confirmed order`). */
  table: string;
  sqlTable: string;
  row: string;
  words: string;
  /** The row's key: the data's first `…Id` string field, or the envelope's id (`eventId`) when it has none. */
  key: { field: string; sqlName: string; fromEnvelope: boolean };
  /** The other scalar fields of the data (arrays and objects are left out: they would need tables of their own). */
  columns: ReadModelColumn[];
  /** A valid value of the event's data, for the generated test (checked against the schema). */
  sample: unknown;
}

export interface WorkerPlan {
  name: string;
  /** `shipping` → `Shipping`, for type and factory names. */
  pascal: string;
  portOffset: number;
  /** An example table `items` with a write and a read procedure. Implied by `publishes`. */
  ownsData: boolean;
  /** An outbox and one example event, `<name>.item.created`, written with each item. */
  publishes: boolean;
  consumes: ConsumedEvent | null;
}

/** Whether the worker has a database at all (its tables, an outbox or an inbox). */
export const hasDatabase = (plan: WorkerPlan): boolean => plan.ownsData || plan.consumes !== null;

export const pascalOf = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

export const snakeOf = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/** `cancellation-requested` → `cancellationRequested`: subject tokens may hold dashes, identifiers not. */
export const camelOf = (token: string): string => token.replace(/-([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());

/** Enough English for table names: order → orders, address → addresses, entry → entries. */
export function pluralOf(word: string): string {
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/** The read model's names from the subject: `orders.order.confirmed` → confirmedOrders, confirmed_orders, confirmedOrder, "confirmed order". */
export function readModelNamesOf(subject: string): Pick<ConsumedEvent, "table" | "sqlTable" | "row" | "words"> {
  const [, entityToken = "event", verbToken = "seen"] = subject.split(".");
  const entity = camelOf(entityToken);
  const verb = camelOf(verbToken);
  const row = `${verb}${pascalOf(entity)}`;
  const table = `${verb}${pascalOf(pluralOf(entity))}`;
  return { table, sqlTable: snakeOf(table), row, words: snakeOf(row).replace(/_/g, " ") };
}
