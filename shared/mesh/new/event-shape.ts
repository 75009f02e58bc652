/**
 * What `mesh new --consumes` reads from a publisher's event schema (zod, from its events.ts): the
 * read model's key and columns (its top-level scalar fields) and a valid sample of its data for the
 * generated test. Reads zod's own definitions (`schema.def`), so any event the kit defines works.
 *
 * @example
 *   readModelShapeOf(orderConfirmed.schema); // { key: { field: "orderId", ... }, columns: [customerId, totalCents, confirmedAt] }
 */
import type { z } from "zod";
import { snakeOf, type ConsumedEvent, type ReadModelColumn } from "./plan";

interface ZodDef {
  type: string;
  format?: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string | number>;
  values?: unknown[];
  options?: z.ZodType[];
  in?: z.ZodType;
}

const defOf = (schema: z.ZodType): ZodDef => (schema as unknown as { def: ZodDef }).def;

/** Optional, nullable, defaulted and read-only wrappers, unwrapped; whether any made the field optional. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean } {
  let inner = schema;
  let optional = false;
  for (let def = defOf(inner); ["optional", "nullable", "default", "readonly", "catch"].includes(def.type) && def.innerType; def = defOf(inner)) {
    optional ||= def.type === "optional" || def.type === "nullable";
    inner = def.innerType;
  }
  return { inner, optional };
}

function columnKindOf(schema: z.ZodType): ReadModelColumn["kind"] | null {
  const def = defOf(schema);
  if (def.type === "string" || def.type === "enum") return "text";
  if (def.type === "boolean") return "boolean";
  if (def.type === "number") return (schema as unknown as { isInt?: boolean }).isInt ? "integer" : "real";
  if (def.type === "literal") return typeof def.values?.[0] === "string" ? "text" : typeof def.values?.[0] === "number" ? "integer" : null;
  return null;
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/** The read model of an event: the first `id`/`…Id` string field as its key (else the envelope's id), the other scalar fields as columns. */
export function readModelShapeOf(schema: z.ZodType): Pick<ConsumedEvent, "key" | "columns"> {
  const shape = defOf(schema).type === "object" ? (defOf(schema).shape ?? {}) : {};
  const columns: ReadModelColumn[] = [];
  for (const [field, fieldSchema] of Object.entries(shape)) {
    const { inner, optional } = unwrap(fieldSchema);
    const kind = columnKindOf(inner);
    // `eventAt` is the read model's own column (when the event happened).
    if (kind && identifier.test(field) && field !== "eventAt") columns.push({ field, sqlName: snakeOf(field), kind, optional });
  }
  const key = columns.find((column) => column.kind === "text" && !column.optional && /^(id|[a-z][A-Za-z0-9]*Id)$/.test(column.field));
  if (!key) return { key: { field: "eventId", sqlName: "event_id", fromEnvelope: true }, columns: columns.filter((column) => column.field !== "eventId") };
  return { key: { field: key.field, sqlName: key.sqlName, fromEnvelope: false }, columns: columns.filter((column) => column !== key) };
}

const sampleDate = "2026-01-01T00:00:00.000Z";
const sampleStrings: Record<string, string> = {
  datetime: sampleDate,
  date: "2026-01-01",
  email: "ann@example.com",
  uuid: "0193e0a0-0000-7000-8000-000000000001",
  url: "https://example.com",
};

/** A value the schema accepts (for the generated test), built from its definition: strings named after their field, numbers 1, the first enum option. */
export function sampleOf(schema: z.ZodType, field = "value"): unknown {
  const { inner } = unwrap(schema);
  const def = defOf(inner);
  switch (def.type) {
    case "object":
      return Object.fromEntries(Object.entries(def.shape ?? {}).map(([name, child]) => [name, sampleOf(child, name)]));
    case "array":
      return def.element ? [sampleOf(def.element, field)] : [];
    case "string":
      return sampleStrings[def.format ?? ""] ?? `${field}-1`;
    case "number":
      return 1;
    case "boolean":
      return true;
    case "enum":
      return Object.values(def.entries ?? {})[0];
    case "literal":
      return def.values?.[0];
    case "union":
      return def.options?.[0] ? sampleOf(def.options[0], field) : null;
    case "pipe":
      return def.in ? sampleOf(def.in, field) : null;
    default:
      return null;
  }
}
