/** The inputs and answers of users' procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";
import { idempotencyKeyInput } from "../../shared/db/idempotency";
import type { Placement } from "../../shared/core/placement";

/**
 * Where users sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it).
 */
export const placement = { portOffset: 1 } as const satisfies Placement;

const id = z.string().min(1).max(64);

export const registerUserInput = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  /** The caller's Idempotency-Key: a repeat answers with the account the first request made. */
  idempotencyKey: idempotencyKeyInput.optional(),
});
export type RegisterUserInput = z.infer<typeof registerUserInput>;

export const getUserInput = z.strictObject({ id });

/** An account as users answers it (register, get): the type and the check of the answer are this one schema. */
export const userOutput = z.strictObject({ id: z.string(), email: z.string(), name: z.string(), createdAt: z.iso.datetime() });
export type User = z.infer<typeof userOutput>;
