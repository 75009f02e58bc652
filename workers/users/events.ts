/** The events users publishes: its public async contract (imports only shared/ and zod). */
import { z } from "zod";
import { defineEvent } from "../../shared/events/envelope";

export const userRegistered = defineEvent("users.user.registered", z.object({ userId: z.string(), name: z.string(), registeredAt: z.iso.datetime() }));

export const usersEvents = [userRegistered] as const;
