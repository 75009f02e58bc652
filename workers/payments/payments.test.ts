import { describe, expect, it } from "vitest";
import { useInProcessWorker } from "../../test/support/in-process";
import * as schema from "./schema";
import { createPaymentsWorker } from "./worker";

describe("payments worker (in-process, better-sqlite3)", () => {
  const t = useInProcessWorker("payments", schema, (deps) => createPaymentsWorker(deps));
  const { mutate, query, data } = t;
  const account = async (customerId: string) => data(await query("getAccount", { customerId }));
  /** Everything payments has written, to show a call changed nothing. */
  const tableState = () => ({
    accounts: t.database.db.select().from(schema.accounts).orderBy(schema.accounts.customerId).all(),
    payments: t.database.db.select().from(schema.payments).orderBy(schema.payments.orderId).all(),
    earlyVoids: t.database.db.select().from(schema.earlyVoids).all(),
    outbox: t.database.db.select({ subject: schema.outbox.subject }).from(schema.outbox).all(),
  });
  const subjects = () =>
    t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => row.subject);

  it("sets a credit limit and reports the account; a customer without one has limit 0", async () => {
    expect(await account("nobody")).toEqual({ customerId: "nobody", limitCents: 0, authorizedCents: 0, capturedCents: 0, availableCents: 0 });
    const set = data(await mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 }));
    expect(set).toEqual({ customerId: "c1", limitCents: 10_000, authorizedCents: 0, capturedCents: 0, availableCents: 10_000 });
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 12_000 });
    const events = t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => JSON.parse(row.envelope));
    expect(events.map((e) => [e.subject, e.data])).toEqual([
      ["payments.credit.limitSet", { customerId: "c1", limitCents: 10_000, previousLimitCents: 0 }],
      ["payments.credit.limitSet", { customerId: "c1", limitCents: 12_000, previousLimitCents: 10_000 }],
    ]);
  });

  it("authorizes within the limit, holding the amount, with its event in the same transaction", async () => {
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    const authorized = await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 3000 }, { "x-correlation-id": "corr-pay-1" });
    expect(authorized.status).toBe(200);
    expect(data(authorized)).toEqual({ orderId: "o1", status: "AUTHORIZED", amountCents: 3000 });
    expect(await account("c1")).toEqual({ customerId: "c1", limitCents: 10_000, authorizedCents: 3000, capturedCents: 0, availableCents: 7000 });
    const event = JSON.parse(t.database.db.select().from(schema.outbox).all().at(-1)!.envelope);
    expect(event).toMatchObject({ subject: "payments.payment.authorized", correlationId: "corr-pay-1", data: { orderId: "o1", customerId: "c1", amountCents: 3000 } });
  });

  it("a repeated authorize returns the first result and changes nothing", async () => {
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    const first = data(await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 3000 }));
    const before = tableState();
    expect(data(await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 3000 }))).toEqual(first);
    expect(tableState()).toEqual(before);
    expect((await account("c1")).authorizedCents).toBe(3000);
  });

  it("declines over the limit with the reason and what is available, holds nothing, and a repeat gets the same decline", async () => {
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 5000 });
    await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 4000 });
    const over = await mutate("authorize", { orderId: "o2", customerId: "c1", amountCents: 1500 });
    expect(over.status).toBe(409);
    expect(over.body.error.data.domainCode).toBe("PAYMENT_DECLINED");
    expect(over.body.error.data.details).toEqual({ reason: "credit_limit_exceeded", availableCents: 1000 });
    expect(over.body.error.message).toContain("o2");
    expect(await account("c1")).toMatchObject({ authorizedCents: 4000, availableCents: 1000 });
    expect(data(await query("payments", { orderId: "o2" })).items).toMatchObject([{ orderId: "o2", status: "DECLINED", amountCents: 1500 }]);
    expect(subjects().at(-1)).toBe("payments.payment.declined");

    await mutate("setCreditLimit", { customerId: "c1", limitCents: 50_000 });
    const before = tableState();
    const again = await mutate("authorize", { orderId: "o2", customerId: "c1", amountCents: 1500 });
    expect(again.status).toBe(409);
    expect(again.body.error.data.details).toEqual({ reason: "credit_limit_exceeded", availableCents: 1000 });
    expect(tableState()).toEqual(before);
  });

  it("a customer without an account is declined with nothing available", async () => {
    const declined = await mutate("authorize", { orderId: "o1", customerId: "stranger", amountCents: 1 });
    expect(declined.body.error.data.details).toEqual({ reason: "credit_limit_exceeded", availableCents: 0 });
    expect(await account("stranger")).toMatchObject({ authorizedCents: 0, availableCents: 0 });
  });

  it("captures an authorization (counted as captured, no longer authorized); a repeat returns the same and changes nothing", async () => {
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 2500 });
    expect(data(await mutate("capture", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "CAPTURED", amountCents: 2500 });
    expect(await account("c1")).toEqual({ customerId: "c1", limitCents: 10_000, authorizedCents: 0, capturedCents: 2500, availableCents: 7500 });
    const before = tableState();
    expect(data(await mutate("capture", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "CAPTURED", amountCents: 2500 });
    expect(data(await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 2500 }))).toEqual({ orderId: "o1", status: "AUTHORIZED", amountCents: 2500 });
    expect(tableState()).toEqual(before);
    expect(subjects().filter((s) => s === "payments.payment.captured")).toHaveLength(1);
    const voidCaptured = await mutate("void", { orderId: "o1" });
    expect(voidCaptured.status).toBe(409);
    expect(voidCaptured.body.error.message).toBe("payment for order o1 is captured; it cannot be voided");
    expect(tableState()).toEqual(before);
  });

  it("voids an authorization, giving the credit back; a repeat returns VOIDED and changes nothing; capture then conflicts", async () => {
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 2500 });
    expect(data(await mutate("void", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "VOIDED" });
    expect(await account("c1")).toMatchObject({ authorizedCents: 0, capturedCents: 0, availableCents: 10_000 });
    const voided = JSON.parse(t.database.db.select().from(schema.outbox).all().at(-1)!.envelope);
    expect(voided).toMatchObject({ subject: "payments.payment.voided", data: { orderId: "o1", customerId: "c1", amountCents: 2500 } });
    const before = tableState();
    expect(data(await mutate("void", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "VOIDED" });
    const capture = await mutate("capture", { orderId: "o1" });
    expect(capture.status).toBe(409);
    expect(capture.body.error.data.domainCode).toBe("CONFLICT");
    const reauthorize = await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 2500 });
    expect(reauthorize.status).toBe(409);
    expect(tableState()).toEqual(before);
  });

  it("voiding a payment never authorized answers NONE, and an authorize arriving after it is refused", async () => {
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    expect(data(await mutate("void", { orderId: "ghost" }))).toEqual({ orderId: "ghost", status: "NONE" });
    const before = tableState();
    expect(data(await mutate("void", { orderId: "ghost" }))).toEqual({ orderId: "ghost", status: "NONE" });
    expect(tableState()).toEqual(before);
    const late = await mutate("authorize", { orderId: "ghost", customerId: "c1", amountCents: 100 });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain("ghost");
    expect(await account("c1")).toMatchObject({ authorizedCents: 0, availableCents: 10_000 });
    expect(data(await query("payments", { orderId: "ghost" })).items).toEqual([]);
  });

  it("capturing a payment never authorized is NOT_FOUND naming the order; a declined one is a CONFLICT", async () => {
    const missing = await mutate("capture", { orderId: "nope" });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe("payment for order nope not found");
    await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 100 });
    const before = tableState();
    expect((await mutate("capture", { orderId: "o1" })).status).toBe(409);
    expect(data(await mutate("void", { orderId: "o1" }))).toEqual({ orderId: "o1", status: "NONE" });
    expect(tableState()).toEqual(before);
  });

  it("allows lowering a limit below what is in use: available shows 0, never negative, and new authorizations decline", async () => {
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 6000 });
    await mutate("authorize", { orderId: "o2", customerId: "c1", amountCents: 2000 });
    await mutate("capture", { orderId: "o2" });
    const lowered = data(await mutate("setCreditLimit", { customerId: "c1", limitCents: 5000 }));
    expect(lowered).toEqual({ customerId: "c1", limitCents: 5000, authorizedCents: 6000, capturedCents: 2000, availableCents: 0 });
    const declined = await mutate("authorize", { orderId: "o3", customerId: "c1", amountCents: 1 });
    expect(declined.body.error.data.details).toEqual({ reason: "credit_limit_exceeded", availableCents: 0 });
    expect(data(await mutate("capture", { orderId: "o1" }))).toMatchObject({ status: "CAPTURED" });
  });

  it("lists payments by order or customer", async () => {
    await mutate("setCreditLimit", { customerId: "c1", limitCents: 1000 });
    await mutate("setCreditLimit", { customerId: "c2", limitCents: 1000 });
    await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 100 });
    await mutate("authorize", { orderId: "o2", customerId: "c2", amountCents: 200 });
    await mutate("authorize", { orderId: "o3", customerId: "c1", amountCents: 5000 });
    // Newest first (the same clock here: then by order id, descending).
    expect(data(await query("payments", { customerId: "c1" })).items.map((p: any) => [p.orderId, p.status])).toEqual([
      ["o3", "DECLINED"],
      ["o1", "AUTHORIZED"],
    ]);
    const first = data(await query("payments", { limit: 2 }));
    expect(first.items.map((p: any) => p.orderId)).toEqual(["o3", "o2"]);
    expect(data(await query("payments", { limit: 2, cursor: first.nextCursor })).items.map((p: any) => p.orderId)).toEqual(["o1"]);
    expect(data(await query("payments", { limit: 2, cursor: first.nextCursor })).nextCursor).toBeNull();
    const tampered = await query("payments", { cursor: `${first.nextCursor}x` });
    expect([tampered.status, tampered.body.error.data.fields.map((f: { path: string }) => f.path)]).toEqual([400, ["cursor"]]);
    expect(data(await query("payments", { orderId: "o2" })).items).toEqual([
      { orderId: "o2", customerId: "c2", amountCents: 200, status: "AUTHORIZED", createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z" },
    ]);
    expect(data(await query("payments", {})).items).toHaveLength(3);
    expect(data(await query("payments", { orderId: "o2", customerId: "c1" })).items).toEqual([]);
  });

  it("answers bad input with a 400 naming the field and writes nothing", async () => {
    const zero = await mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.error.data.fields.map((f: { path: string }) => f.path)).toEqual(["amountCents"]);
    const fraction = await mutate("setCreditLimit", { customerId: "c1", limitCents: 10.5 });
    expect(fraction.status).toBe(400);
    expect(fraction.body.error.message).toMatch(/limitCents/);
    const missing = await mutate("authorize", { customerId: "c1", amountCents: 10 });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/orderId/);
    const extra = await mutate("void", { orderId: "o1", reason: "x" });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/reason/);
    expect(tableState()).toEqual({ accounts: [], payments: [], earlyVoids: [], outbox: [] });
  });
});
