/**
 * The peer's callee: a Moleculer service `catalog.get` on its NATS transporter that reads one
 * product row by id from catalog's DB file (read-only, a prepared bun:sqlite statement) — the work
 * catalog's tRPC `get` does. Params are checked by Moleculer's validator. Env: NATS_URL, DB_FILE.
 */
import { Database } from "bun:sqlite";
import { productOfRow } from "../servers/product-row";
import { brokerOptions, loadMoleculer } from "./moleculer";

const { ServiceBroker, Errors } = loadMoleculer();
const db = new Database(process.env["DB_FILE"]!, { readonly: true });
const byId = db.query<Record<string, any>, [string]>("SELECT * FROM products WHERE id = ?");

const broker = new ServiceBroker(brokerOptions("catalog-peer", process.env["NATS_URL"]!));
broker.createService({
  name: "catalog",
  actions: {
    get: {
      params: { id: { type: "string", min: 1, max: 64 } },
      handler(ctx: { params: { id: string } }) {
        const row = byId.get(ctx.params.id);
        if (!row) throw new Errors.MoleculerClientError(`product ${ctx.params.id} not found`, 404, "NOT_FOUND");
        return productOfRow(row);
      },
    },
  },
});
await broker.start();
console.log("callee ready");
process.on("SIGTERM", () => void broker.stop().then(() => process.exit(0)));
