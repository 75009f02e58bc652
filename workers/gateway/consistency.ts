/**
 * Read-your-writes at the public edge. A write's result carries `consistencyToken`: the events it
 * produced, with its peers' tokens (a composed write's, e.g. stock set after the catalog check)
 * and the token the request came with, merged, the same token as the answer's
 * `x-consistency-token` header. A read of a read model (reports, a product's `inStock`, the
 * summary's stats) takes a token from its input (`consistencyToken`, REST `?after=`) or the
 * request's header, and forwards it to the owner, whose read-model gate waits for its events
 * (READ_WAIT_MS); the call's deadline then outlasts that wait.
 *
 * @example
 *   place: p.input(placeOrderInput).mutation(async ({ ctx, input }) => withToken(ctx.deps, await placeOrder(...))),
 *   customer: p.input(withTokenInput(customerReportInput)).query(({ ctx, input }) => customerReport(ctx.deps, input.customerId, readAfter(ctx.deps, input))),
 */
import { z } from "zod";
import { consistencyOf, consistencyTokenInput } from "../../shared/core/consistency-scope";
import { answerTokenOf } from "../../shared/events/consistency-token";
import type { GatewayContext } from "./deps";

/** The owner's input schema with the optional `consistencyToken` a read of a read model takes (strict as the owner's). */
export function withTokenInput<Shape extends z.core.$ZodShape, Config extends z.core.$ZodObjectConfig>(schema: z.ZodObject<Shape, Config>) {
  return schema.extend({ consistencyToken: consistencyTokenInput.optional() });
}

/** A write's answer schema with the `consistencyToken` withToken adds (null: the write produced no event). */
export function withTokenOutput<Shape extends z.core.$ZodShape, Config extends z.core.$ZodObjectConfig>(schema: z.ZodObject<Shape, Config>) {
  return schema.extend({ consistencyToken: z.string().nullable().describe("What this write produced, for reads of read models that must show it (the x-consistency-token header)") });
}

/** The token a read waits for: its input's (checked: a bad one is a 400 naming the header), else the request's header's (checked at the edge). */
export function readAfter(deps: GatewayContext, input: { consistencyToken?: string | undefined } | undefined): string | undefined {
  const given = input?.consistencyToken;
  if (given === undefined) return consistencyOf()?.readAfter;
  deps.consistency.read(given);
  return given;
}

/** The options of an owner's read that waits for `token`: the token as its header, a deadline past the owner's wait. */
export function readModelCall(deps: GatewayContext, token: string | undefined) {
  if (token === undefined) return undefined;
  return { context: { consistencyToken: token, timeoutMs: deps.readModelTimeoutMs ?? 4_000 } };
}

/** A write's result with the token of what it wrote (null when it wrote nothing, e.g. a repeat answered from its key). */
export function withToken<T extends object>(deps: GatewayContext, result: T): T & { consistencyToken: string | null } {
  return { ...result, consistencyToken: answerTokenOf(deps.consistency, consistencyOf()) ?? null };
}
