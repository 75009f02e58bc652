/** Renders test/faults/RESULTS.md from a fault suite run. */
import { cpus, totalmem } from "node:os";
import type { Chaos, Target } from "./chaos";
import type { Load } from "./load";
import type { CheckReport, Outcomes } from "./verdict";

export interface RunSummary {
  startedAt: number;
  /** FAULT_ORDERS and FAULT_KILLS of the run. */
  minOrders: number;
  minKills: number;
  /** The machine's 1-minute load average when the run began (other work shares the cores). */
  loadAtStart: number;
  loadSeconds: number;
  peerTimeoutMs: number;
  sagaDeadlineMs: number;
  load: Load;
  chaos: Chaos;
  minimums: Record<Target, number>;
  outcomes: Outcomes;
  zeroes: Record<string, number>;
  check: { code: number | null; report: CheckReport };
}

const percent = (part: number, whole: number) => (whole === 0 ? "n/a" : `${((100 * part) / whole).toFixed(2)}%`);

function outcomeLines(outcomes: Outcomes, total: number): string[] {
  const peerUnavailable = outcomes.byState["REJECTED peer_unavailable"] ?? 0;
  return [
    `Final states of all ${total} orders orders knows (by rejectionReason):`,
    "",
    "| final state | orders |",
    "|---|---|",
    ...Object.entries(outcomes.byState)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([state, n]) => `| ${state} | ${n} |`),
    "",
    `Orders that stock and credit allowed (an ample customer, ample products only): ${outcomes.ample}; ${outcomes.ampleConfirmed} CONFIRMED.`,
    `Of these, rejected \`peer_unavailable\` although stock and credit sufficed: **${outcomes.amplePeerUnavailable}** (${percent(outcomes.amplePeerUnavailable, outcomes.ample)} of them).`,
    `All \`peer_unavailable\` rejections: ${peerUnavailable} (${percent(peerUnavailable, total)} of all orders).`,
  ];
}

export function renderResults(run: RunSummary): string {
  const { load, chaos, outcomes, check } = run;
  const totalKills = Object.values(chaos.kills).reduce((a, b) => a + b, 0);
  const total = Object.values(outcomes.byState).reduce((a, b) => a + b, 0);
  return [
    "# Fault suite results",
    "",
    `Written by \`npm run test:faults\` (test/faults/mesh.faults.ts). Date: ${new Date().toISOString()}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform}, Node ${process.version}; load average ${run.loadAtStart.toFixed(1)} at the start.`,
    `Minimums of this run: FAULT_ORDERS=${run.minOrders}, FAULT_KILLS=${run.minKills} (defaults 2000 and 60).`,
    `Took ${Math.round((Date.now() - run.startedAt) / 1000)} s (${run.loadSeconds} s of load and faults). Peer deadline ${run.peerTimeoutMs} ms, saga deadline ${run.sagaDeadlineMs} ms.`,
    "",
    `Orders placed through the gateway: ${load.acknowledged.size} acknowledged (${load.answers.created} answered 201, ${load.answers.accepted} answered 202 still pending), ${load.answers.refused} refused with a 4xx, ${load.answers.retries} retried after a 5xx or no answer.`,
    `Cancellations of confirmed orders accepted (202): ${load.cancelled.size}, each retried with its key through outages.`,
    `4xx answers: ${[...load.refusals].map(([why, n]) => `${n} × ${why}`).join("; ") || "none"}.`,
    `Final (mesh check): ${check.report.checked["confirmed"] ?? "?"} CONFIRMED, ${check.report.checked["rejected"] ?? "?"} REJECTED, ${check.report.checked["cancelled"] ?? "?"} CANCELLED, ${check.report.checked["cancelling"] ?? "?"} CANCELLING, ${check.report.checked["pending"] ?? "?"} PENDING; ${check.report.checked["refunds"] ?? "?"} refunds.`,
    "",
    ...outcomeLines(outcomes, total),
    "",
    `Kills (SIGKILL, then restart): ${totalKills}`,
    "",
    "| target | kills | at least |",
    "|---|---|---|",
    ...Object.entries(chaos.kills).map(([target, n]) => `| ${target} | ${n} | ${run.minimums[target as Target]} |`),
    "",
    `Pauses (SIGSTOP for ${chaos.pauseMs} ms, past the ${run.peerTimeoutMs} ms peer timeout): ${
      Object.entries(chaos.pauses)
        .map(([t, n]) => `${t} ${n}`)
        .join(", ") || "none"
    }`,
    "",
    "| must be zero | count |",
    "|---|---|",
    ...Object.entries(run.zeroes).map(([name, n]) => `| ${name} | ${n} |`),
    "",
    `\`npm run mesh -- check\`: ${check.report.ok ? "ok" : `${check.report.violations.length} violation(s)`} (exit ${check.code}).`,
    "",
  ].join("\n");
}
