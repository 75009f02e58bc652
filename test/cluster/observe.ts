/**
 * What the driver sees of the NATS cluster from the root namespace: the mesh's streams through
 * the JetStream API, every stream leader election (the `$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED`
 * advisories), and which server each worker is connected to (each server's `/connz`).
 */
import { connect, type JetStreamManager, type NatsConnection, type StreamInfo } from "nats";
import { natsMonitorPort, type NatsCluster } from "./nats-cluster";

export interface Election {
  at: number;
  stream: string;
  leader: string;
}

export interface ClusterObserver {
  nc: NatsConnection;
  jsm: JetStreamManager;
  elections: Election[];
  streams(): Promise<StreamInfo[]>;
  /** True once every stream has a leader and each of its replicas is current and online. */
  streamsHealthy(): Promise<boolean>;
  /** Server name → the connection names (worker names) it serves; servers that do not answer are left out. */
  connections(): Promise<Map<string, string[]>>;
  close(): Promise<void>;
}

export async function observeCluster(cluster: NatsCluster): Promise<ClusterObserver> {
  const nc = await connect({ servers: cluster.allClientUrls(), name: "cluster-driver", maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const jsm = await nc.jetstreamManager({ timeout: 10_000 });
  const elections: Election[] = [];
  const subscription = nc.subscribe("$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.>", {
    callback: (error, message) => {
      if (error) return;
      const advisory = message.json<{ stream?: string; leader?: string }>();
      elections.push({ at: Date.now(), stream: advisory.stream ?? message.subject.split(".").at(-1)!, leader: advisory.leader ?? "?" });
    },
  });
  const streams = async () => {
    const infos: StreamInfo[] = [];
    for await (const info of jsm.streams.list()) infos.push(info);
    return infos;
  };
  return {
    nc,
    jsm,
    elections,
    streams,
    async streamsHealthy() {
      const infos = await streams().catch(() => undefined);
      return (
        infos !== undefined &&
        infos.length > 0 &&
        infos.every((info) => Boolean(info.cluster?.leader) && (info.cluster?.replicas ?? []).every((replica) => replica.current && !replica.offline))
      );
    },
    connections: () => connectionsByServer(cluster),
    async close() {
      subscription.unsubscribe();
      await nc.close();
    },
  };
}

async function connectionsByServer(cluster: NatsCluster): Promise<Map<string, string[]>> {
  const byServer = new Map<string, string[]>();
  await Promise.all(
    cluster.hosts.map(async (host) => {
      try {
        const response = await fetch(`http://${host.address}:${natsMonitorPort}/connz?limit=1024`, { signal: AbortSignal.timeout(2_000) });
        const body = (await response.json()) as { connections?: { name?: string }[] };
        byServer.set(
          host.name,
          (body.connections ?? []).map((connection) => connection.name ?? "?"),
        );
      } catch {
        // down or cut off
      }
    }),
  );
  return byServer;
}
