/**
 * Regenerates schema.d.ts, the types of the REST API, with openapi-typescript from the gateway's
 * /openapi.json: `bun run examples/openapi-client/generate.ts` builds the document from this
 * repository's code (no mesh needed); `--from http://127.0.0.1:3000/openapi.json` reads a running
 * gateway's instead; `--out FILE` writes elsewhere (test/examples.test.ts compares the two).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { openApiDocument } from "../../workers/gateway/openapi";
import packageJson from "../../package.json" with { type: "json" };

const here = import.meta.dirname;
const { values } = parseArgs({ options: { from: { type: "string" }, out: { type: "string", default: join(here, "schema.d.ts") } } });

async function documentFrom(url: string | undefined): Promise<unknown> {
  if (url === undefined) return openApiDocument(packageJson.version);
  const answer = await fetch(url);
  if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
  return answer.json();
}

const source = join(mkdtempSync(join(tmpdir(), "openapi-client-")), "openapi.json");
writeFileSync(source, JSON.stringify(await documentFrom(values.from)));
const cli = resolve(here, "../../node_modules/.bin/openapi-typescript");
const run = spawnSync(cli, [source, "--output", resolve(values.out)], { encoding: "utf8" });
if (run.status !== 0) throw new Error(`openapi-typescript failed:\n${run.stdout}${run.stderr}`);
