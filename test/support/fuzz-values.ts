/**
 * Invalid values for the fuzz test of the public API, as JSON text (so a body can hold what
 * JSON.stringify cannot: 1e309, duplicate keys). Every value here is invalid for its kind under
 * any sensible reading of the README's API (no value a coercing or code-point-counting schema
 * would accept), so a request carrying one must never write.
 */
import fc from "fast-check";

export type FieldKind =
  "id" | "email" | "name" | "sku" | "description" | "cents" | "onHand" | "quantity" | "items" | "attributes" | "idempotencyKey" | "q" | "limit100" | "limit200" | "limit500" | "status";

const json = (value: unknown) => JSON.stringify(value);

/**
 * Characters that are not whitespace (String#trim keeps them), some of them hostile: RTL marks, ZWJ,
 * NUL, lone surrogates. Each unit is at least one code point wherever it lands (the lone high
 * surrogate is followed by "a", so no two units ever pair up into one code point).
 */
const edgeChars = ["a", "Z", "7", "é", "漢", "🙂", "\u200f", "\u202e", "\u200d", "\u0000", "\ud800a", "\udfff", "\u0301", "%", "/", "\\", '"'];
/** Whitespace String#trim removes, so a string of only these is empty to a trimmed field. */
const blankChars = [" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\ufeff", "\u3000", "\u2003"];

/** A string of at least `min` code points (so at least `min` UTF-16 units too), none of them whitespace. */
export function longText(min: number, max = min + 300): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...edgeChars), minLength: min, maxLength: max });
}

export const blankText = fc.string({ unit: fc.constantFrom(...blankChars), minLength: 0, maxLength: 12 });
/** Short hostile strings (unicode edge cases, traversal), for ids that are unknown rather than malformed. */
export const oddText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...edgeChars), minLength: 1, maxLength: 30 }),
  fc.constantFrom("../../etc/passwd", "..\\..\\windows", "%2e%2e%2f", "\u0000", "id\u0000x", "\u200f\u200d", "' OR 1=1 --", "${id}", "__proto__"),
);

const notString = fc.constantFrom("1", "0", "-1", "true", "false", "null", "{}", "[]", '["a"]', '{"a":"b"}', "1e309", "12.5");
const notNumber = fc.constantFrom('"1"', '"100"', '"NaN"', '"Infinity"', '"-Infinity"', '"1e309"', '""', "true", "false", "null", "{}", "[]", "[1]", '{"value":1}');
const notInteger = fc.constantFrom("1.5", "0.1", "99.99", "1e-7", "3.000001");
const unsafe = fc.constantFrom("1e309", "-1e309", "9007199254740993", "1e20", "1e300", "18446744073709551616");
const negative = fc.oneof(fc.constant("-1"), fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: -1 }).map(String));
const above = (max: number) => fc.integer({ min: max + 1, max: max + 1_000_000_000 }).map(String);

const badCount = (max?: number) => fc.oneof(notNumber, notInteger, unsafe, negative, ...(max === undefined ? [] : [above(max)]));
/** A bad value for a trimmed text field of 1..max characters: not a string, empty, blank, too long. */
const badText = (max: number) => fc.oneof(notString, fc.constant('""'), blankText.map(json), longText(max + 1).map(json));

const badEmail = fc.oneof(
  notString,
  fc.constant('""'),
  fc.string({ unit: fc.constantFrom(...edgeChars, ".", "-"), minLength: 1, maxLength: 40 }).map(json), // no @
  fc.constantFrom("@example.com", "user@", "a@b@example.com", "user@@example.com", "us er@example.com").map(json),
  longText(250, 400).map((local) => json(`${local.replace(/[^a-z]/gi, "a")}@example.com`)), // over 254 characters
);

/** JSON text of an invalid value of each kind (the id kind: malformed ids; unknown ones come from oddText). */
export const invalidJson: Record<FieldKind, fc.Arbitrary<string>> = {
  id: fc.oneof(notString, fc.constant('""'), longText(65, 200).map(json)),
  email: badEmail,
  name: badText(200),
  sku: badText(64),
  description: fc.oneof(fc.constantFrom("1", "true", "false", "{}", "[]", '["x"]'), longText(4001, 4300).map(json)),
  cents: badCount(),
  onHand: badCount(1_000_000_000),
  quantity: fc.oneof(badCount(10_000), fc.constant("0")),
  items: fc.constantFrom("{}", '"items"', "1", "null", "true", "[]", '"[]"'),
  attributes: fc.oneof(
    fc.constantFrom('"x"', "1", "true", "null", "[]", "[1]", '"{}"'),
    fc.constant('{"":1}'),
    longText(65, 120).map((key) => `{${json(key)}:1}`),
  ),
  idempotencyKey: fc.oneof(notString, fc.constant('""'), longText(201, 400).map(json)),
  q: fc.oneof(notString, fc.constant('""'), blankText.map(json), longText(201, 400).map(json)),
  limit100: fc.oneof(badCount(100), fc.constant("0")),
  limit200: fc.oneof(badCount(200), fc.constant("0")),
  limit500: fc.oneof(badCount(500), fc.constant("0")),
  status: fc.oneof(notString, fc.constantFrom('""', '"done"', '"Done"', '"DONE "', '"NEEDS-ATTENTION"', '"PENDING"', '"CONFIRMED"'), oddText.map(json)),
};

/** A query-string value (already percent-encoded) that is invalid for a `limit` with this maximum, under any numeric reading. */
export function invalidLimitParam(max: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom("-1", "0", "-0", "1.5", "1e309", "1e3", "NaN", "Infinity", "-Infinity", "abc", "", "99999999999999999999", "%00", "5%00", "%E2%80%8F5", "%ED%A0%80"),
    above(max),
    negative,
  );
}

/** Percent-encodes every UTF-16 unit a URL may not carry raw; lone surrogates become their WTF-8 bytes (not valid UTF-8). */
export function encodeLoosely(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(char);
  }
  return out;
}

/** Query-string values invalid for a text parameter of 1..max characters: empty, too long, or blank where it is trimmed. */
export function invalidTextParam(max: number, options: { blank?: boolean } = {}): fc.Arbitrary<string> {
  return fc.oneof(fc.constant(""), longText(max + 1).map(encodeLoosely), ...(options.blank ? [blankText.filter((s) => s.length > 0).map(encodeLoosely)] : []));
}
