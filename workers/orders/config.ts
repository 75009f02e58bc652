/**
 * orders' environment: the common worker variables, its four peers' URLs, how long `place`
 * waits for the saga, and the saga's retry policy.
 */
import { z } from "zod";
import { peerUrl, workerConfigSchema } from "../../shared/core/config";
import { durationSetting } from "../../shared/core/durations";
import { defaultPortOf } from "../../shared/core/placement";
import { placement } from "./contract";
import { placement as paymentsPlacement } from "../payments/contract";
import { placement as inventoryPlacement } from "../inventory/contract";
import { placement as catalogPlacement } from "../catalog/contract";
import { placement as usersPlacement } from "../users/contract";
import type { SagaSettings } from "./deps";

export { placement };

const ms = z.coerce.number().int().positive();

export const ordersConfigSchema = workerConfigSchema(defaultPortOf(placement)).extend({
  USERS_URL: peerUrl(usersPlacement),
  CATALOG_URL: peerUrl(catalogPlacement),
  INVENTORY_URL: peerUrl(inventoryPlacement),
  PAYMENTS_URL: peerUrl(paymentsPlacement),
  /** How long `place` waits for the saga to end before answering `completed: false`. */
  ORDER_WAIT_MS: ms.default(5000),
  /**
   * The saga's deadline, counted from placing the order: a reserve/authorize whose peer is
   * unavailable is retried until then, and a saga found unfinished (after a crash) still in its
   * reserve/authorize phase is resumed only before it; after it, it is compensated instead.
   */
  SAGA_DEADLINE_MS: ms.default(30_000),
  /** Backoff of retried steps (reserve/authorize with their peer unavailable, compensations): base, doubling, capped. */
  SAGA_RETRY_BASE_MS: ms.default(500),
  SAGA_RETRY_MAX_MS: ms.default(30_000),
  /** Failed attempts after which a saga is marked NEEDS_ATTENTION (and still retried). */
  SAGA_ATTENTION_AFTER: z.coerce.number().int().positive().default(3),
  /** The least time between two looks of the sweeper for sagas due another attempt (it wakes when the earliest falls due). */
  SAGA_SWEEP_MS: ms.default(500),
  /** With nothing due, the sweeper still looks this often (a backstop: each attempt scheduled wakes it for its time). */
  SAGA_SWEEP_IDLE_MS: ms.default(10_000),
  /** How long a finished saga and its step log are kept after it ended (the order itself is kept): README "Retention". */
  SAGA_RETENTION: durationSetting("30d", { atLeast: "1m" }),
  /** A cancellation still CANCELLING this long after it was asked shows as CANCEL_STUCK. */
  CANCEL_STUCK_AFTER_MS: ms.default(60_000),
  /** Deliveries of an event orders consumes (a stock return, a refund, a customer or product for its copies) that cannot be applied before it goes to the dead letters. */
  CONSUMER_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
});
export type OrdersConfig = z.output<typeof ordersConfigSchema>;

/** The saga's settings from the config (main.ts and the bench's one-process mesh build orders alike). */
export function sagaSettingsOf(config: OrdersConfig): SagaSettings {
  return {
    deadlineMs: config.SAGA_DEADLINE_MS,
    retryBaseMs: config.SAGA_RETRY_BASE_MS,
    retryMaxMs: config.SAGA_RETRY_MAX_MS,
    attentionAfter: config.SAGA_ATTENTION_AFTER,
    sweepIntervalMs: config.SAGA_SWEEP_MS,
    sweepIdleMs: config.SAGA_SWEEP_IDLE_MS,
    retentionMs: config.SAGA_RETENTION,
  };
}
