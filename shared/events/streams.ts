/**
 * JetStream streams of the mesh: one per publishing worker (`streamOf(owner)`), file storage,
 * created or updated at start-up so config changes (duplicate window) reach the server.
 *
 * @example await ensureStream(await nc.jetstreamManager(), "orders", { duplicateWindowMs: 120_000 });
 */
import { nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from "nats";
import { streamOf } from "./envelope";

export interface StreamSettings {
  /** How long the broker drops a re-publish with the same Nats-Msg-Id. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Copies the cluster keeps (STREAM_REPLICAS: 1 on one server, 3 on a cluster of three). Default 1. */
  replicas?: number;
}

export const defaultDuplicateWindowMs = 2 * 60_000;

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
      duplicate_window: duplicateWindow,
      num_replicas: replicas,
    });
  }
  const { config } = existing;
  const sameSubjects = [...config.subjects].sort().join(",") === [...stream.subjects].sort().join(",");
  if (sameSubjects && config.duplicate_window === duplicateWindow && config.num_replicas === replicas) return existing;
  return jsm.streams.update(stream.name, { ...config, subjects: stream.subjects, duplicate_window: duplicateWindow, num_replicas: replicas }).catch((error: unknown) => {
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
