/** Helpers of the templates: lines that are present or not, and values written as TS literals. Prettier formats the result. */
import type { WorkerPlan } from "../plan";

/** The given lines joined, the absent ones (false, null, undefined) left out. */
export function lines(...parts: (string | false | null | undefined)[]): string {
  return parts.filter((part): part is string => typeof part === "string").join("\n");
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/** A JSON value as a TS literal: object keys unquoted where they can be. */
export function literalOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literalOf).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([key, child]) => `${identifier.test(key) ? key : JSON.stringify(key)}: ${literalOf(child)}`);
    return `{ ${entries.join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** `shipping-orders` style names of the consumed owner as an identifier (`orders` → `orders`, `stock-x` → `stockX`). */
export const ownerIdentifierOf = (owner: string): string => owner.replace(/[^A-Za-z0-9]+([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The worker's purpose line (worker.ts, schema.ts): what it owns, publishes and consumes. */
export function purposeOf(plan: WorkerPlan): string {
  const parts = [
    plan.ownsData ? `owns its items (${plan.name}.db)` : null,
    plan.publishes ? `publishes ${plan.name}.item.created` : null,
    plan.consumes ? `keeps the ${plan.consumes.sqlTable} read model from ${plan.consumes.subject}` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ").replace(/, ([^,]*)$/, " and $1") : "owns no data (add tables in schema.ts and pass it to runWorkerMain when it needs some)";
}
