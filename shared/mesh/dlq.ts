/** `npm run mesh -- dlq ...`: the dead letters of the broker at NATS_URL (or the running mesh's). */
import { runDlqCommand } from "./dlq-command";
import { readMeshSettings } from "./settings";
import { readMeshState } from "./state";
import { operatorNatsAuth } from "./secrets";

export { summary } from "./dlq-command";

export async function run(args: string[]): Promise<number> {
  const settings = readMeshSettings(process.env);
  const natsUrl = readMeshState(settings.dataDir)?.nats.url ?? settings.natsUrl;
  // The launcher's nats-server has users: the CLI signs in as its operator user.
  return runDlqCommand(args, { natsUrl, ...operatorNatsAuth(settings.dataDir) });
}
