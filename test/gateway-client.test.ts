/**
 * The gateway's typed client (workers/gateway/client.ts) against the real mesh, written without
 * casts or `any`; and the compiler refusing a call that breaks the router's types.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { TRPCClientError } from "@trpc/client";
import { createGatewayClient, type GatewayClient } from "../workers/gateway/client";
import type { GatewayRouter } from "../workers/gateway/router";
import { adminHeaders, freePort, repoRoot, runToEnd, startWorker, stopAll, tempDir } from "./support/processes";

const peerNames = ["users", "catalog", "inventory", "payments", "orders", "reporting"];
let gateway: GatewayClient;

beforeAll(async () => {
  const dataDir = tempDir("gateway-client");
  const natsUrl = `nats://127.0.0.1:${await freePort()}`; // no broker: these checks need none
  const urls: Record<string, string> = {};
  for (const name of peerNames) urls[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${await freePort()}`;
  const portOf = (name: string) => Number(new URL(urls[`${name.toUpperCase()}_URL`] ?? "").port);
  const env = { DATA_DIR: dataDir, NATS_URL: natsUrl, ...urls };
  await Promise.all(["users", "catalog", "inventory", "payments", "reporting"].map((name) => startWorker(name, env, { port: portOf(name) })));
  await startWorker("orders", env, { port: portOf("orders") });
  const running = await startWorker("gateway", env);
  // The shop's operator sets stock and credit: the client carries the admin key.
  gateway = createGatewayClient(running.url, { headers: adminHeaders });
});
afterAll(stopAll);

describe("the gateway's typed client", () => {
  it("places an order and reads the customer summary", async () => {
    const stamp = Date.now();
    const registration = { email: `typed${stamp}@example.com`, name: "Typed Client", idempotencyKey: `typed-user-${stamp}` };
    const customer = await gateway.users.register.mutate(registration);
    // A retried keyed write answers with what the first one made; it wrote nothing, so its consistency token names nothing.
    expect(customer.consistencyToken).toEqual(expect.any(String));
    expect(await gateway.users.register.mutate(registration)).toEqual({ ...customer, consistencyToken: null });
    const creation = { sku: `TYPED-${stamp}`, name: "Typed lamp", priceCents: 1999, idempotencyKey: `typed-product-${stamp}` };
    const product = await gateway.products.create.mutate(creation);
    expect(await gateway.products.create.mutate(creation)).toEqual({ ...product, consistencyToken: null });
    await gateway.inventory.set.mutate({ productId: product.id, onHand: 4 });
    await gateway.credit.set.mutate({ customerId: customer.id, limitCents: 10_000 });

    const { order, completed } = await gateway.orders.place.mutate({
      customerId: customer.id,
      items: [{ productId: product.id, quantity: 2 }],
      idempotencyKey: `typed-${stamp}`,
    });
    expect(completed).toBe(true);
    expect(order.status).toBe("CONFIRMED");
    expect(order.totalCents).toBe(3998);
    expect(order.lines).toEqual([{ productId: product.id, name: "Typed lamp", unitPriceCents: 1999, quantity: 2 }]);

    const summary = await gateway.customers.summary.query({ customerId: customer.id });
    expect(summary.customer.email).toBe(`typed${stamp}@example.com`);
    expect(summary.orders?.items.map((o) => o.id)).toEqual([order.id]);
    expect(summary.degraded).toEqual([]);

    const withStock = await gateway.products.get.query({ id: product.id });
    expect(withStock.stock?.available).toBe(2);
  });

  it("gets the domain code and the bad field from a refused call", async () => {
    const refused = await gateway.orders.place.mutate({ customerId: "c1", items: [] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    if (!(refused instanceof TRPCClientError)) return;
    const error: TRPCClientError<GatewayRouter> = refused;
    expect(error.data?.domainCode).toBe("BAD_INPUT");
    expect(error.data?.fields?.map((f) => f.path)).toEqual(["items"]);
  });
});

describe("the typed client under the compiler", () => {
  const tsc = (project: string) => runToEnd(join(repoRoot, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", `test/fixtures/typed-client/${project}`]);

  it("compiles the correct fixture and refuses only the deliberate type error", async () => {
    const [good, both] = await Promise.all([tsc("tsconfig.good.json"), tsc("tsconfig.json")]);
    expect(good.output).toBe("");
    expect(good.code).toBe(0);
    expect(both.code).not.toBe(0);
    const errors = both.output.split("\n").filter((line) => line.includes("error TS"));
    expect(errors).toEqual(["test/fixtures/typed-client/bad-call.ts(6,85): error TS2322: Type 'string' is not assignable to type 'number'."]);
  }, 180_000);
});
