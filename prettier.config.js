/**
 * Prettier's settings (`npm run format`; `npm test` checks them): the ones the code was already
 * written in. printWidth 185 is the width that changes the fewest lines of the tree (measured from
 * 120 to 200: long one-line calls and objects are usual here, and a narrower width would wrap them);
 * every other option is Prettier's default, which the code follows (double quotes, semicolons,
 * trailing commas, `(x) =>`), each of them measured as the smallest change too.
 */
/** @type {import("prettier").Config} */
export default {
  printWidth: 185,
  tabWidth: 2,
  semi: true,
  singleQuote: false,
  trailingComma: "all",
  arrowParens: "always",
  objectWrap: "preserve",
};
