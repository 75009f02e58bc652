/**
 * The baseline of the tRPC bench: a bare Hono route in a Bun process doing the same work as
 * catalog's `get` — one product row read by id from catalog's own DB file (opened read-only),
 * turned into the same Product JSON — with no tRPC, no Drizzle, no middleware.
 * Env: DB_FILE, PORT.
 */
import { Database } from "bun:sqlite";
import { Hono } from "hono";
import { productOfRow } from "./product-row";

const file = process.env["DB_FILE"];
if (!file) throw new Error("DB_FILE is required");
const db = new Database(file, { readonly: true });
const byId = db.query<Record<string, any>, [string]>("SELECT * FROM products WHERE id = ?");

const app = new Hono();
app.get("/health", (c) => c.text("ok"));
app.get("/products/:id", (c) => {
  const row = byId.get(c.req.param("id"));
  if (!row) return c.json({ error: { message: `product ${c.req.param("id")} not found` } }, 404);
  return c.json(productOfRow(row));
});

Bun.serve({ hostname: "127.0.0.1", port: Number(process.env["PORT"] ?? 0), fetch: app.fetch });
