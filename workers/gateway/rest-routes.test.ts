import { describe, expect, it } from "vitest";
import type { AnyTRPCProcedure } from "@trpc/server";
import { createCallerFactory } from "../../shared/rpc/trpc";
import { gatewayRouter } from "./router";
import { restRoutes, type RestRoute } from "./rest-routes";
import { endpointsOf, planOf } from "./rest";
import { createGatewayWorker } from "./worker";
import { createAnsweringPeers } from "../../test/support/answering-peers";
import { restSamples as samples } from "../../test/support/rest-samples";

/**
 * Walks the REST table: every row's procedure exists with the input the row gives it, agrees on
 * the admin key, and answers through an in-process gateway whose peers answer every call.
 */
const procedures = gatewayRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>;
const adminApiKey = "rest-table-admin-key-0123456789";

const described = (row: RestRoute) => `${row.method} ${row.path} → ${row.procedure}`;

describe("the REST table over the public router", () => {
  it("maps each row onto a procedure of the router, of the kind its method implies, with every input the row gives it", () => {
    for (const row of restRoutes) {
      const procedure = procedures[row.procedure];
      expect(procedure, described(row)).toBeDefined();
      expect(procedure!._def.type, described(row)).toBe(row.method === "GET" ? "query" : "mutation");
      // Path parameters, the Idempotency-Key and the body's fields resolved against the input schema.
      expect(() => planOf(row), described(row)).not.toThrow();
    }
  });

  it("serves every procedure of the router on some row, and each method and path once", () => {
    expect(new Set(restRoutes.map((row) => row.procedure))).toEqual(new Set(Object.keys(procedures)));
    for (const rows of endpointsOf(restRoutes)) {
      // Rows sharing a method and path are told apart by `when`; only the last may go without one.
      expect(
        rows.slice(0, -1).every((row) => row.when !== undefined),
        described(rows[0]!),
      ).toBe(true);
    }
  });

  it("marks as admin exactly the rows whose procedure refuses a caller without the admin key", async () => {
    const { deps } = createAnsweringPeers(adminApiKey);
    const caller = createCallerFactory(gatewayRouter)({ correlationId: "walk", caller: null, logger: deps.logger, deps, admin: false });
    for (const row of restRoutes) {
      const call = row.procedure.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
      // The input is beside the point: the admin check runs before it is parsed.
      const refused = await call({}).then(
        () => false,
        (error: { code?: string }) => error.code === "UNAUTHORIZED",
      );
      expect(refused, described(row)).toBe(row.admin === true);
    }
  });

  it("answers each row's sample request with the row's status, by calling a peer", async () => {
    const { calls, deps } = createAnsweringPeers(adminApiKey);
    const gateway = createGatewayWorker(deps);
    expect(Object.keys(samples).sort()).toEqual(restRoutes.map((row) => row.procedure).sort());
    for (const row of restRoutes) {
      const sample = samples[row.procedure]!;
      calls.length = 0;
      const res = await gateway.app.request(`${sample.path}${sample.query ? `?${sample.query}` : ""}`, {
        method: row.method,
        headers: { "content-type": "application/json", authorization: `Bearer ${adminApiKey}`, ...(row.idempotencyKey ? { "idempotency-key": "walk-1" } : {}) },
        ...(sample.body === undefined ? {} : { body: JSON.stringify(sample.body) }),
      });
      expect(res.status, `${described(row)}: ${await res.clone().text()}`).toBe(row.status);
      if (row.procedure !== "health") expect(calls.length, described(row)).toBeGreaterThan(0);
      if (row.admin) {
        const refused = await gateway.app.request(sample.path, { method: row.method, headers: { "content-type": "application/json" }, body: row.method === "GET" ? null : "{}" });
        expect(refused.status, `${described(row)} without the key`).toBe(401);
      }
    }
  });
});
