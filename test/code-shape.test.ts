/** Code shape: no function in the shipped code of workers/ or shared/ runs over 80 lines (small functions, each read at a glance). */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const maxLines = 80;

interface FunctionSize {
  where: string;
  name: string;
  lines: number;
}

/** Every function with a body (declarations, methods, arrows, accessors), measured from its first token to its last line. */
function functionSizes(fileName: string, text: string): FunctionSize[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const sizes: FunctionSize[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = lineOf(node.getStart(source));
      sizes.push({ where: `${fileName}:${first}`, name: functionName(node), lines: lineOf(node.end) - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sizes;
}

/** Its own name, or the name it is assigned to (`const createX = () => …`, `{ run: () => … }`). */
function functionName(node: ts.SignatureDeclaration): string {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.initializer === node) return parent.name.getText();
  return "(anonymous)";
}

function shippedFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts"))
    .map((file) => relative(root, join(root, folder, file)))
    .sort();
}

const tooLong = (sizes: FunctionSize[]) => sizes.filter((size) => size.lines > maxLines).map((size) => `${size.where} ${size.name}: ${size.lines} lines`);

describe("code shape", () => {
  it(`finds no function over ${maxLines} lines in workers/ or shared/ (tests excluded)`, () => {
    const files = ["workers", "shared"].flatMap(shippedFiles);
    expect(files.length).toBeGreaterThan(20);
    const sizes = files.flatMap((file) => functionSizes(file, readFileSync(join(root, file), "utf8")));
    expect(tooLong(sizes)).toEqual([]);
  });

  it("measures each kind of function from its first line to its last, comments before it not counted", () => {
    const body = (lines: number) => Array.from({ length: lines - 2 }, (_, i) => `  step(${i});`).join("\n");
    const text = [
      "/** A doc comment does not count. */",
      `export function declared() {\n${body(81)}\n}`,
      `const arrow = async () => {\n${body(80)}\n};`,
      `export const table = { run(x: number) {\n${body(82)}\n} };`,
      `export default function () {\n${body(3)}\n}`,
    ].join("\n");
    const sizes = functionSizes("sample.ts", text);
    expect(sizes.map(({ where, name, lines }) => `${where} ${name} ${lines}`)).toEqual([
      "sample.ts:2 declared 81",
      "sample.ts:83 arrow 80",
      "sample.ts:163 run 82",
      "sample.ts:245 (anonymous) 3",
    ]);
    expect(tooLong(sizes)).toEqual(["sample.ts:2 declared: 81 lines", "sample.ts:163 run: 82 lines"]);
  });
});
