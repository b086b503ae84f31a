/**
 * V8 keeps a string built by `+` as a tree of "cons" nodes (32 bytes each) until something
 * needs its characters in one piece; a string held for hours (a stream's response head, an id)
 * then costs several times its length. Converting it to a number makes V8 flatten it in place:
 * the tree's inner nodes become garbage and the string's characters are stored once.
 */
export function flattenString(s: string): string {
  // The value is irrelevant: parsing is what flattens (the `flatstr` idiom).
  if (Number.isNaN(Number(s))) return s;
  return s;
}
