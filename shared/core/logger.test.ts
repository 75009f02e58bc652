/** The logger censors personal data and secrets by key at any depth, without touching the caller's objects. */
import { describe, expect, it } from "vitest";
import { createLogger, redactDeep, redactedValue } from "./logger";

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ worker: "users", level: "debug", destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines };
}

const user = () => ({ id: "u-1", email: "ada@example.com", name: "Ada Lovelace", displayName: "Countess Ada", credit: 5 });
const personal = ["ada@example.com", "Ada Lovelace", "Countess Ada"];

describe("log redaction", () => {
  it("censors email, name and displayName wherever a user sits in a logged object", () => {
    const { logger, lines } = capture();
    logger.info(user(), "top level");
    logger.info({ user: user() }, "one level down");
    logger.info({ request: { body: { customer: user() } } }, "three levels down");
    logger.info({ page: { items: [user(), { owner: user() }] } }, "in arrays");
    logger.info({ a: { b: { c: { d: { e: { f: user() } } } } } }, "six levels down");
    logger.child({ customer: user() }).warn({ event: { data: user() } }, "bindings and object");
    logger
      .child({ loop: "consumer" })
      .child({ owner: { profile: user() } })
      .debug("a grandchild's bindings");

    expect(lines).toHaveLength(7);
    const output = lines.join("\n");
    for (const value of personal) expect(output, `"${value}" in the log`).not.toContain(value);
    // What is not personal stays, and the censored keys say so.
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed[0]).toMatchObject({ id: "u-1", credit: 5, email: redactedValue, name: redactedValue, displayName: redactedValue, worker: "users" });
    expect(parsed[3].page.items[1].owner).toMatchObject({ id: "u-1", email: redactedValue });
    expect(parsed[4].a.b.c.d.e.f).toMatchObject({ id: "u-1", name: redactedValue });
    expect(parsed[5].customer).toMatchObject({ id: "u-1", displayName: redactedValue });
    expect(parsed[6]).toMatchObject({ loop: "consumer", owner: { profile: { id: "u-1", email: redactedValue } } });
  });

  it("still censors secrets, leaves errors their own serializer, and never changes the caller's object", () => {
    const { logger, lines } = capture();
    const logged = { user: user(), headers: { authorization: "Bearer abc.def.ghi" }, deep: { x: { password: "hunter2", apiKey: "k-123" } } };
    const before = structuredClone(logged);
    logger.error({ ...logged, err: new TypeError("boom") }, "failed");
    expect(logged).toEqual(before);
    const output = lines.join("\n");
    for (const secret of ["abc.def.ghi", "hunter2", "k-123", ...personal]) expect(output).not.toContain(secret);
    expect(JSON.parse(lines[0]!).err).toMatchObject({ type: "TypeError", message: "boom" });
  });

  it("returns the same object when there is nothing to censor, and survives cycles", () => {
    const plain = { orderId: "o-1", items: [{ productId: "p-1", quantity: 2 }] };
    expect(redactDeep(plain)).toBe(plain);
    const cyclic: Record<string, unknown> = { email: "x@example.com" };
    cyclic["self"] = cyclic;
    expect(redactDeep(cyclic)).toMatchObject({ email: redactedValue });
  });
});
