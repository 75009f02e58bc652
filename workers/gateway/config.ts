/**
 * gateway's environment: the common worker variables, the URL of every peer it composes, and the
 * deadlines of its calls. It is the public entry: GATEWAY_PORT / GATEWAY_HOST (or PORT / HOST)
 * say where it listens, every interface (0.0.0.0) unless told otherwise; all other workers stay
 * on loopback.
 */
import { z } from "zod";
import { peerUrl, secretFile, workerConfigSchema } from "../../shared/core/config";
import type { Placement } from "../../shared/core/placement";
import { placement as usersPlacement } from "../users/contract";
import { placement as catalogPlacement } from "../catalog/contract";
import { placement as inventoryPlacement } from "../inventory/contract";
import { placement as paymentsPlacement } from "../payments/contract";
import { placement as ordersPlacement } from "../orders/contract";
import { placement as reportingPlacement } from "../reporting/contract";

/** Where the gateway sits in the mesh: offset 0, not on the internal port range but on the public 3000. */
export const placement = { portOffset: 0 } as const satisfies Placement;

const ms = z.coerce.number().int().positive();

/** An origin is scheme, host and port only: `https://shop.example` (no path, no trailing slash). */
const origin = z.string().regex(/^https?:\/\/[^/\s?#]+$/, "an origin such as https://shop.example (scheme and host, no path)");
const corsOrigins = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  )
  .pipe(z.array(origin));

export const gatewayConfigSchema = workerConfigSchema(3000, "0.0.0.0")
  .extend({
    /** Override PORT / HOST with names that cannot clash with a shell's generic PORT. */
    GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    GATEWAY_HOST: z.string().min(1).optional(),
    USERS_URL: peerUrl(usersPlacement),
    CATALOG_URL: peerUrl(catalogPlacement),
    INVENTORY_URL: peerUrl(inventoryPlacement),
    PAYMENTS_URL: peerUrl(paymentsPlacement),
    ORDERS_URL: peerUrl(ordersPlacement),
    /** Down, it costs the reports (503) and the summary's `stats` (null, named in `degraded`), nothing else. */
    REPORTING_URL: peerUrl(reportingPlacement),
    /** Deadline of `POST /api/orders`: must outlast orders' own ORDER_WAIT_MS for the saga. */
    ORDER_PLACE_TIMEOUT_MS: ms.default(10_000),
    /** Deadline of each peer's /health/ready probe in GET /health. */
    HEALTH_PROBE_TIMEOUT_MS: ms.default(1_000),
    /** The public entry reads little: the largest valid body (100 items, 100 attributes) is far smaller. */
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    /**
     * Key for the admin routes (stock, credit, /api/admin/*), sent as `Authorization: Bearer <key>`;
     * or a file holding it. Neither: those routes answer 401 (the launcher always generates one).
     */
    ADMIN_API_KEY: z.string().min(1).optional(),
    ADMIN_API_KEY_FILE: secretFile("ADMIN_API_KEY_FILE").optional(),
    /** Comma-separated browser origins allowed across origins (CORS), e.g. `https://shop.example,http://localhost:5173`; unset: CORS off. */
    CORS_ORIGINS: corsOrigins,
    /** Jaeger's UI (e.g. http://127.0.0.1:16686): the /mesh dashboard links each saga's correlation ID to its traces there. */
    JAEGER_UI_URL: z.url().optional(),
    /** The telemetry process (the mesh's trace store and metric series; the launcher sets it): /mesh/traces and the charts read it. */
    TELEMETRY_URL: z.url({ protocol: /^https?$/ }).optional(),
  })
  .transform((config) => ({
    ...config,
    PORT: config.GATEWAY_PORT ?? config.PORT,
    HOST: config.GATEWAY_HOST ?? config.HOST,
  }));
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
