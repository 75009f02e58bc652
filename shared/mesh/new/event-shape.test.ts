/** What mesh new reads from an event's zod schema: the read model's key and columns, and a sample the schema accepts, for every event the repository's workers publish. */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { defineEvent, type EventDefinition } from "../../events/envelope";
import { workerNamesIn } from "../discover";
import { repoRoot } from "../settings";
import { readModelShapeOf, sampleOf } from "./event-shape";

async function everyPublishedEvent(): Promise<EventDefinition[]> {
  const files = workerNamesIn(repoRoot)
    .map((name) => join(repoRoot, "workers", name, "events.ts"))
    .filter(existsSync);
  const modules = await Promise.all(files.map((file) => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>));
  return modules.flatMap((module) =>
    Object.values(module).filter((value): value is EventDefinition => typeof value === "object" && value !== null && "subject" in value && "schema" in value),
  );
}

describe("an event's read model shape", () => {
  it("keys the row by the first required …Id string field and keeps the other scalar fields as typed columns, arrays and objects left out", () => {
    const schema = z.object({
      lines: z.array(z.object({ productId: z.string() })),
      orderId: z.string(),
      customerId: z.string(),
      totalCents: z.number().int(),
      ratio: z.number(),
      paid: z.boolean(),
      status: z.enum(["a", "b"]),
      note: z.string().optional(),
      eventAt: z.string(),
    });
    expect(readModelShapeOf(schema)).toEqual({
      key: { field: "orderId", sqlName: "order_id", fromEnvelope: false },
      columns: [
        { field: "customerId", sqlName: "customer_id", kind: "text", optional: false },
        { field: "totalCents", sqlName: "total_cents", kind: "integer", optional: false },
        { field: "ratio", sqlName: "ratio", kind: "real", optional: false },
        { field: "paid", sqlName: "paid", kind: "boolean", optional: false },
        { field: "status", sqlName: "status", kind: "text", optional: false },
        { field: "note", sqlName: "note", kind: "text", optional: true },
      ],
    });
  });

  it("keys the row by the envelope's id when the data has no …Id field", () => {
    expect(readModelShapeOf(z.object({ label: z.string(), optionalId: z.string().optional() })).key).toEqual({ field: "eventId", sqlName: "event_id", fromEnvelope: true });
  });

  it("builds a sample each published event's schema accepts, and finds a key for each", async () => {
    const events = [...(await everyPublishedEvent()), defineEvent("x.y.z", z.object({ at: z.iso.datetime(), mail: z.email(), id: z.uuid(), n: z.number().int().min(0).optional() }))];
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) {
      expect(event.schema.safeParse(sampleOf(event.schema)).success, event.subject).toBe(true);
      expect(readModelShapeOf(event.schema).key.field, event.subject).toMatch(/Id$|^id$/);
    }
  });
});
