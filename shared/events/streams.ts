/**
 * JetStream streams of the mesh: one per publishing worker (`streamOf(owner)`), file storage,
 * Limits retention bounded by age and size (STREAM_MAX_AGE, STREAM_MAX_BYTES: the oldest events
 * go first), created or updated at start-up so config changes reach the server. A setting left
 * out (a consumer creating its publisher's stream before the publisher starts) keeps what the
 * stream has, or the default when it is new; the publisher's relay then sets its own.
 *
 * @example await ensureStream(await nc.jetstreamManager(), "orders", { duplicateWindowMs: 120_000 });
 */
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from "nats";
import { streamOf } from "./envelope";

export interface StreamSettings {
  /** How long the broker drops a re-publish with the same Nats-Msg-Id. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Copies the cluster keeps (STREAM_REPLICAS: 1 on one server, 3 on a cluster of three). Default 1. */
  replicas?: number;
  /** Events older than this are dropped by the broker (STREAM_MAX_AGE). Default 30 days. */
  maxAgeMs?: number;
  /** The stream's size cap in bytes, oldest dropped first (STREAM_MAX_BYTES). Default 1 GiB. */
  maxBytes?: number;
}

export const defaultDuplicateWindowMs = 2 * 60_000;
export const defaultStreamMaxAgeMs = 30 * 24 * 3_600_000;
export const defaultStreamMaxBytes = 1024 ** 3;

/** Creates or updates the owner's stream (`orders` → `ORDERS`, subjects `orders.>`). */
export async function ensureStream(jsm: JetStreamManager, owner: string, settings: StreamSettings = {}): Promise<StreamInfo> {
  return ensureNamedStream(jsm, streamOf(owner), settings);
}

export async function ensureNamedStream(jsm: JetStreamManager, stream: { name: string; subjects: string[] }, settings: StreamSettings = {}): Promise<StreamInfo> {
  const duplicateWindow = nanos(settings.duplicateWindowMs ?? defaultDuplicateWindowMs);
  const replicas = settings.replicas ?? 1;
  const existing = await jsm.streams.info(stream.name).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!existing) {
    return jsm.streams.add({
      name: stream.name,
      subjects: stream.subjects,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      duplicate_window: duplicateWindow,
      num_replicas: replicas,
      max_age: nanos(settings.maxAgeMs ?? defaultStreamMaxAgeMs),
      max_bytes: settings.maxBytes ?? defaultStreamMaxBytes,
    });
  }
  const { config } = existing;
  const maxAge = settings.maxAgeMs === undefined ? config.max_age : nanos(settings.maxAgeMs);
  const maxBytes = settings.maxBytes ?? config.max_bytes;
  const sameSubjects = [...config.subjects].sort().join(",") === [...stream.subjects].sort().join(",");
  const same = sameSubjects && config.duplicate_window === duplicateWindow && config.num_replicas === replicas && config.max_age === maxAge && config.max_bytes === maxBytes;
  if (same) return existing;
  const changed = { ...config, subjects: stream.subjects, duplicate_window: duplicateWindow, num_replicas: replicas, max_age: maxAge, max_bytes: maxBytes };
  return jsm.streams.update(stream.name, changed).catch((error: unknown) => {
    if (config.num_replicas === replicas) throw error;
    throw new Error(`stream ${stream.name} has ${config.num_replicas} replicas and STREAM_REPLICAS asks for ${replicas}; JetStream refused the change: ${(error as Error).message}`, {
      cause: error,
    });
  });
}

/** True for JetStream's "stream not found" / "consumer not found" / "no message found" answers. */
export function isNotFound(error: unknown): boolean {
  const e = error as { code?: string; api_error?: { code?: number }; message?: string };
  return e?.api_error?.code === 404 || e?.code === "404" || /not found/i.test(e?.message ?? "");
}
