/** The inputs of payments' procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";

const customerId = z.string().min(1).max(64);

export const setCreditLimitInput = z.strictObject({ customerId, limitCents: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export type SetCreditLimitInput = z.infer<typeof setCreditLimitInput>;

export const getAccountInput = z.strictObject({ customerId });
