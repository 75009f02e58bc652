/**
 * Bad JSON objects for the fuzz test: a valid body or input for a route's fields with exactly one
 * thing made wrong (a field's value, a missing or unknown field, a duplicate key whose last value
 * is bad, an order item, an unknown id), kept as JSON text with what the answer must say.
 */
import fc from "fast-check";
import type { Field, SeedIds } from "./fuzz-api";
import { invalidJson, oddText } from "./fuzz-values";

/** What a bad request's answer must be. */
export interface Expectation {
  /** The statuses it may answer; absent: any 4xx. */
  statuses?: readonly number[];
  /** For a 400: every group must have one of its names in the message (case-insensitive). */
  named?: readonly (readonly string[])[];
}

export interface BadObject {
  text: string;
  what: string;
  expect: Expectation;
}

const json = (value: unknown) => JSON.stringify(value);
type Entry = [name: string, jsonText: string];
const objectText = (entries: Entry[]) => `{${entries.map(([name, value]) => `${json(name)}:${value}`).join(",")}}`;

/** Names no public input has (or one some other input has), hostile ones included. */
export const extraNames = [
  "extra",
  "admin",
  "isAdmin",
  "role",
  "id",
  "idempotencyKey",
  "__proto__",
  "constructor",
  "Email",
  "email ",
  "price",
  "stock",
  "zz9",
  "customerID",
  "status",
  "q",
];

const bad400 = (text: string, what: string, names: string[]): BadObject => ({ text, what, expect: { statuses: [400], named: [names] } });
/** An unknown id is 404, or 400 when its odd characters make it malformed; never a write. */
const unknownIdValue = fc.oneof(fc.uuid(), oddText).map(json);

function badItem(ids: SeedIds): fc.Arbitrary<BadObject> {
  const item = { productId: ids.productId, quantity: 1 };
  return fc.oneof(
    fc.constantFrom("1", '"x"', "null", "[]", "true").map((text) => bad400(text, `item ${text}`, ["items"])),
    fc.constant(bad400(json({ quantity: 1 }), "item without productId", ["productId"])),
    fc.constant(bad400(json({ productId: ids.productId }), "item without quantity", ["quantity"])),
    fc.constantFrom(...extraNames.filter((name) => name !== "id")).map((name) => bad400(json({ ...item, [name]: 1 }), `item with ${name}`, [name])),
    invalidJson.quantity.map((value) => bad400(`{"productId":${json(ids.productId)},"quantity":${value}}`, `quantity ${value}`, ["quantity"])),
    invalidJson.id.map((value) => bad400(`{"productId":${value},"quantity":1}`, `productId ${value}`, ["productId"])),
    unknownIdValue.map((value) => ({ text: `{"productId":${value},"quantity":1}`, what: `unknown productId ${value}`, expect: { statuses: [400, 404], named: [["productId"]] } })),
  );
}

/** A bad `items` array: not an array, empty, too long, or one bad item among good ones. */
function badItems(ids: SeedIds): fc.Arbitrary<BadObject> {
  const item = json({ productId: ids.productId, quantity: 1 });
  return fc.oneof(
    invalidJson.items.map((text) => bad400(text, `items ${text}`, ["items"])),
    fc.integer({ min: 101, max: 130 }).map((count) => bad400(`[${Array(count).fill(item).join(",")}]`, `${count} items`, ["items"])),
    fc.tuple(fc.nat(3), badItem(ids)).map(([before, bad]) => ({ ...bad, text: `[${[...Array(before).fill(item), bad.text].join(",")}]` })),
  );
}

/** A bad value for one field, with what its answer must say. */
function badValue(field: Field, ids: SeedIds, options: { only400: boolean; unknownIds: boolean }): fc.Arbitrary<BadObject> {
  const values = [invalidJson[field.kind].map((text) => bad400(text, `${field.name} = ${text.slice(0, 80)}`, [field.name]))];
  if (field.kind === "items") values.push(badItems(ids));
  const isId = /(^id|Id)$/.test(field.name);
  if (isId && options.unknownIds && !options.only400) {
    values.push(unknownIdValue.map((text) => ({ text, what: `unknown ${field.name} ${text}`, expect: { statuses: [400, 404], named: [[field.name]] } })));
  }
  const arbitrary = fc.oneof(...values);
  return options.only400 ? arbitrary.filter((bad) => bad.expect.statuses?.length === 1) : arbitrary;
}

/** The fields as valid entries: every required one, and the optional ones `keep` says. */
function validEntries(fields: Field[], ids: SeedIds, n: number, keep: boolean[]): Entry[] {
  return fields.filter((f, i) => f.required || keep[i]).map((f) => [f.name, json(f.valid(ids, n))]);
}

/** One kind of damage to an object of valid entries. */
function damage(fields: Field[], ids: SeedIds, base: Entry[], options: ObjectOptions): fc.Arbitrary<BadObject> {
  const without = (...names: string[]) => base.filter(([n]) => !names.includes(n));
  const oneField = fc.constantFrom(...fields);
  const badField = oneField.chain((f) => badValue(f, ids, options).map((bad) => ({ ...bad, text: objectText([...without(f.name), [f.name, bad.text]]) })));
  const unknownField = fc
    .constantFrom(...extraNames.filter((name) => !fields.some((f) => f.name === name)))
    .map((name) => bad400(objectText([...base, [name, '"x"']]), `unknown field ${name}`, [name]));
  // The same key twice, the valid value first: the last one counts, as in JSON.parse.
  const duplicateKey = oneField.chain((f) =>
    badValue(f, ids, { ...options, only400: true }).map((bad) => ({
      ...bad,
      what: `duplicate ${f.name}, last ${bad.what}`,
      text: objectText([...without(f.name), [f.name, json(f.valid(ids, 0))], [f.name, bad.text]]),
    })),
  );
  // A bad value is the richest damage (every kind has many): it gets the most requests.
  const choices = [
    { weight: 5, arbitrary: badField },
    { weight: 1, arbitrary: unknownField },
    { weight: 1, arbitrary: duplicateKey },
  ];
  const required = fields.filter((f) => f.required);
  if (required.length > 0) choices.push({ weight: 1, arbitrary: fc.constantFrom(...required).map((f) => bad400(objectText(without(f.name)), `no ${f.name}`, [f.name])) });
  if (options.needsOneOf) {
    const changes = fields.filter((f) => !f.required).map((f) => f.name);
    choices.push({ weight: 1, arbitrary: fc.constant(bad400(objectText(without(...changes)), "no change given", changes)) });
  }
  return fc.oneof(...choices);
}

export interface ObjectOptions {
  /** Only damage whose answer is certainly 400 (for tRPC batches, where mixed statuses answer 207). */
  only400: boolean;
  /** Whether an unknown (well-formed) id is bad here; false where it answers 200 by design. */
  unknownIds: boolean;
  needsOneOf?: boolean;
}

/** An object of the given fields, valid but for one thing. */
export function badObject(fields: Field[], ids: SeedIds, options: ObjectOptions): fc.Arbitrary<BadObject> {
  const keep = fc.array(fc.boolean(), { minLength: fields.length, maxLength: fields.length });
  return fc.tuple(fc.nat(), keep).chain(([n, kept]) => damage(fields, ids, validEntries(fields, ids, n, kept), options));
}

/** A valid object of the given fields (only for requests that something else makes bad). */
export function validObject(fields: Field[], ids: SeedIds): fc.Arbitrary<string> {
  const keep = fc.array(fc.boolean(), { minLength: fields.length, maxLength: fields.length });
  return fc.tuple(fc.nat(), keep).map(([n, kept]) => {
    const entries = validEntries(fields, ids, n, kept);
    // PATCH needs one change: keep the first optional field when none was kept.
    const firstOptional = fields.find((f) => !f.required);
    if (firstOptional && !kept.some((k, i) => k && !fields[i]!.required)) entries.push([firstOptional.name, json(firstOptional.valid(ids, n))]);
    return objectText(entries);
  });
}
