/** The inputs of reporting's procedures that the gateway forwards: its public call contract (imports only shared/ and zod). */
import { z } from "zod";

export const customerReportInput = z.strictObject({ customerId: z.string().min(1).max(64) });
