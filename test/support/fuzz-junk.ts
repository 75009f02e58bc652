/** Whole-request junk for the fuzz test: text that is not JSON, JSON that is not an object, wrong admin keys. */
import fc from "fast-check";

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Text no JSON parser accepts: truncated, single-quoted, trailing commas, NaN, bare words, random bytes. */
export const junkJson = fc.oneof(
  fc.constantFrom(
    "garbage",
    "{",
    "}",
    "{'a':1}",
    '{"a":1,}',
    "[1,]",
    "NaN",
    "Infinity",
    "undefined",
    '{"a":01}',
    '{"a":"\\x"}',
    "tru",
    '{"a" 1}',
    "\u0000",
    "email=a%40b.c&name=x",
    "<xml/>",
  ),
  fc.string({ maxLength: 40 }).filter((text) => text.length > 0 && !isJson(text)),
);

/** JSON that is valid but not an object. */
export const nonObjectJson = fc.constantFrom("1", "-1", "0", "1e309", '"x"', '""', "null", "true", "false", "[]", "[{}]", '["a",1]');

/** An Authorization header that does not carry the admin key (undefined: none at all). */
export function wrongAdminKeys(adminKey: string): fc.Arbitrary<string | undefined> {
  return fc.constantFrom(
    undefined,
    "",
    "Bearer",
    "Bearer ",
    "Bearer wrong",
    `Bearer ${adminKey}x`,
    `Bearer ${adminKey.slice(1)}`,
    `Bearer ${adminKey} extra`,
    `Basic ${Buffer.from(`admin:${adminKey}`).toString("base64")}`,
    `Token ${adminKey}`,
    adminKey,
  );
}
