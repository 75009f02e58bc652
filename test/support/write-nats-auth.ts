/**
 * `bun run test/support/write-nats-auth.ts <dataDir> [extraWorkersJson]`: writes the launcher's
 * nats-server config for the repository's workers (plus any extra `{ name, consumes }` given) and
 * prints `{ configFile, credentials }` as JSON. Tests run under Node; the bcrypt hashing is Bun's.
 */
import { discoverWorkers } from "../../shared/mesh/discover";
import { writeNatsAuthorization, type NatsWorker } from "../../shared/mesh/nats-auth";
import { readMeshSettings, repoRoot } from "../../shared/mesh/settings";

const [dataDir, extra] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: write-nats-auth.ts <dataDir> [extraWorkersJson]");
const workers: NatsWorker[] = [...(await discoverWorkers(repoRoot, readMeshSettings({ DATA_DIR: dataDir }))), ...(extra ? (JSON.parse(extra) as NatsWorker[]) : [])];
const auth = await writeNatsAuthorization(dataDir, workers);
process.stdout.write(`${JSON.stringify({ configFile: auth.configFile, credentials: Object.fromEntries(auth.credentials), workers })}\n`);
