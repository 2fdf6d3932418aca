/**
 * Equality in time that depends only on the lengths (which are public: a signature's, a hash's),
 * for secrets compared with what a client sent: a token's signature, a room password's hash.
 */
export function equalInConstantTime(
  a: string | Uint8Array,
  b: string | Uint8Array,
): boolean {
  if (a.length !== b.length) return false;
  const at = typeof a === "string" ? (i: number) => a.charCodeAt(i) : (i: number) => a[i]!;
  const bt = typeof b === "string" ? (i: number) => b.charCodeAt(i) : (i: number) => b[i]!;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= at(i) ^ bt(i);
  return difference === 0;
}
