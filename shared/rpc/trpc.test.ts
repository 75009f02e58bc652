/**
 * `answers`: a procedure's output schema is its answer's type, its document and a check of each
 * result; with the check off (ctx.checkOutputs false, OUTPUT_VALIDATION=off) the answer is the same.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TRPCError } from "@trpc/server";
import { createLogger } from "../core/logger";
import { DomainError } from "../core/errors";
import { answers, createCallerFactory, outputSchemaOf, procedures, router, type MeshContext } from "./trpc";

const userOutput = z.strictObject({ id: z.string(), email: z.string(), createdAt: z.iso.datetime() });
type Answer = z.infer<typeof userOutput>;
const good: Answer = { id: "u1", email: "ann@example.com", createdAt: "2026-01-01T00:00:00.000Z" };

/** A router whose procedure answers whatever the test hands it (typed as the schema, as a drifting service would be). */
function routerAnswering(result: unknown) {
  const p = procedures<Record<string, never>>();
  return router({
    get: p
      .callers("gateway")
      .input(z.strictObject({ id: z.string() }))
      .concat(answers(userOutput))
      .query(() => result as Answer),
  });
}

function call(result: unknown, checkOutputs?: boolean) {
  const ctx: MeshContext = {
    correlationId: "answers-test",
    caller: null,
    logger: createLogger({ worker: "test", level: "silent" }),
    deps: {},
    ...(checkOutputs === undefined ? {} : { checkOutputs }),
  };
  return createCallerFactory(routerAnswering(result))(ctx).get({ id: "u1" });
}

describe("answers", () => {
  it("answers a result that fits its schema as it is, checked or not", async () => {
    expect(await call(good)).toEqual(good);
    expect(await call(good, false)).toEqual(good);
  });

  it("fails a result that drifted from its schema (checked by default): INTERNAL, naming the procedure and each field", async () => {
    const { email, ...rest } = good;
    const failure = await call({ ...rest, mail: email, createdAt: "yesterday" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TRPCError);
    const cause = (failure as TRPCError).cause;
    expect((failure as TRPCError).code).toBe("INTERNAL_SERVER_ERROR");
    expect(cause).toBeInstanceOf(DomainError);
    expect((cause as DomainError).code).toBe("INTERNAL");
    const message = (cause as DomainError).message;
    expect(message).toMatch(/^get answered outside its output schema: /);
    for (const named of ["email:", "createdAt:", '"mail"']) expect(message).toContain(named);
  });

  it("lets the drifted result through untouched when the worker's check is off", async () => {
    const drifted = { ...good, email: 42, extra: true };
    expect(await call(drifted, false)).toEqual(drifted);
  });

  it("keeps the procedure's other metadata and exposes the schema for the document", () => {
    const procedure = routerAnswering(good)._def.procedures.get;
    expect(outputSchemaOf(procedure)).toBe(userOutput);
    expect(procedure._def.meta).toMatchObject({ callers: ["gateway"] });
    const p = procedures<Record<string, never>>();
    expect(outputSchemaOf(p.internal.query(() => good))).toBeNull();
  });
});
