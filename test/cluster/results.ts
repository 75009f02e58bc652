/** Renders test/cluster/RESULTS.md from a cluster suite run. */
import { cpus } from "node:os";
import type { Load } from "../faults/load";
import type { Outcomes } from "../faults/verdict";
import type { FaultRecord } from "./faults";
import type { Election } from "./observe";
import type { CrossReplicaStats, ReplicaStats } from "./replica-load";

export interface ClusterRun {
  startedAt: number;
  wallSeconds: number;
  placement: Record<string, string[]>;
  load: Load;
  replicaStats: ReplicaStats;
  cross: CrossReplicaStats;
  faults: FaultRecord[];
  elections: Election[];
  /** Publish retries by worker, as each one's relay reports them in /health/ready. */
  publishRetries: Record<string, number>;
  streams: { name: string; replicas: number; leader: string; followers: string[] }[];
  outcomes: Outcomes;
  zeroes: Record<string, number>;
  checkCode: number | null;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function faultRows(run: ClusterRun): string[] {
  return [
    "| # | fault (at) | outage | recovered after | recovered = |",
    "|---|---|---|---|---|",
    ...run.faults.map(
      (fault, index) =>
        `| ${index + 1} | ${fault.fault} (t+${seconds(fault.at - run.startedAt)}) | ${seconds(fault.outageMs)} | **${seconds(fault.recoveryMs)}** | ${fault.recovered} |`,
    ),
  ];
}

function electionLines(run: ClusterRun): string[] {
  const byStream = new Map<string, number>();
  for (const election of run.elections) byStream.set(election.stream, (byStream.get(election.stream) ?? 0) + 1);
  return [
    `Stream leader elections seen (\`$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.>\`): **${run.elections.length}**` +
      (byStream.size ? ` (${[...byStream].map(([stream, n]) => `${stream} ${n}`).join(", ")})` : ""),
    "",
    ...run.elections.map((election) => `- t+${seconds(election.at - run.startedAt)}: ${election.stream} → leader ${election.leader}`),
  ];
}

export function renderClusterResults(run: ClusterRun): string {
  const retries = Object.values(run.publishRetries).reduce((a, b) => a + b, 0);
  const { load } = run;
  return [
    "# Cluster suite results",
    "",
    `Run of \`npm run test:cluster\` at ${new Date(run.startedAt).toISOString()}, ${run.wallSeconds} s wall time, on ${cpus().length} cores shared with other work.`,
    "Three hosts (network namespaces bm-h1..3 on 10.213.77.0/24), one nats-server 2.9 each in one JetStream cluster, streams with 3 replicas.",
    `Placement: ${Object.entries(run.placement)
      .map(([host, instances]) => `${host}: ${instances.join(", ")}`)
      .join("; ")}. No \`<PEER>_URL\` anywhere: peers are found through NATS.`,
    "",
    "## Orders",
    "",
    `Acknowledged orders: **${load.acknowledged.size}** (${load.answers.created} created, ${load.answers.accepted} accepted; ${load.answers.refused} refused; ${load.answers.retries} 5xx answers retried). Cancelled: ${load.cancelled.size}.`,
    `Answered by replica: ${JSON.stringify(run.replicaStats.answeredBy)}; calls a replica could not take, sent to the other: ${run.replicaStats.failedOver}.`,
    `Idempotency-Key retried on the other replica: ${run.cross.tried}; answered with the first order: **${run.cross.same}**; with another: **${run.cross.different.length}**.`,
    "",
    "| final state | orders |",
    "|---|---|",
    ...Object.entries(run.outcomes.byState)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([state, n]) => `| ${state} | ${n} |`),
    "",
    "## Faults and recovery",
    "",
    ...faultRows(run),
    "",
    "## JetStream",
    "",
    ...run.streams.map((stream) => `- ${stream.name}: ${stream.replicas} replicas, leader ${stream.leader}, followers ${stream.followers.join(", ")}`),
    "",
    `Publish retries across leader elections (relay.health(), summed): **${retries}** ${JSON.stringify(run.publishRetries)}`,
    "",
    ...electionLines(run),
    "",
    "## Must be zero",
    "",
    "| count | value |",
    "|---|---|",
    ...Object.entries(run.zeroes).map(([name, value]) => `| ${name} | ${value} |`),
    "",
    `\`mesh check\`: exit ${run.checkCode}${run.checkCode === 0 ? " (ok)" : ""}.`,
    "",
  ].join("\n");
}
