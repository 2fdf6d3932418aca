import { MAX_CHAT_CHARS, MAX_MEDIA_TITLE_CHARS, MAX_NAME_CHARS } from "./limits.ts";

// C0/C1 control characters, plus the bidirectional overrides and isolates that let a name
// render as something else (a "Trojan Source" style trick in a room list).
const NAME_UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;
// Chat keeps line breaks and tabs; everything else that is a control character goes.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CHAT_UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/gu;

/** Cuts to at most `max` code points without splitting a surrogate pair. */
export function truncateCodePoints(text: string, max: number): string {
  if (text.length <= max) return text; // UTF-16 length >= code points: already short enough
  let count = 0;
  let end = 0;
  for (const char of text) {
    if (count === max) break;
    count++;
    end += char.length;
  }
  return text.slice(0, end);
}

export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Room and user names: trimmed, control characters removed, at most 100 code points. */
export function sanitizeName(raw: string | null | undefined, fallback: string): string {
  if (typeof raw !== "string") return fallback;
  const cleaned = truncateCodePoints(raw.replace(NAME_UNSAFE, "").trim(), MAX_NAME_CHARS).trim();
  return cleaned === "" ? fallback : cleaned;
}

/** A media title: like a name (one line, no control characters), at most 200 code points; null when blank. */
export function sanitizeTitle(raw: string | null | undefined): string | null {
  if (typeof raw !== "string") return null;
  const cleaned = truncateCodePoints(raw.replace(NAME_UNSAFE, "").trim(), MAX_MEDIA_TITLE_CHARS)
    .trim();
  return cleaned === "" ? null : cleaned;
}

export type ChatTextResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: "empty" | "too_long" };

/** Chat text: control characters (but not line breaks) removed, trimmed, at most 500 code points. */
export function sanitizeChatText(raw: string): ChatTextResult {
  const text = raw.replace(CHAT_UNSAFE, "").trim();
  if (text === "") return { ok: false, reason: "empty" };
  if (text.length > MAX_CHAT_CHARS && countCodePoints(text) > MAX_CHAT_CHARS) {
    return { ok: false, reason: "too_long" };
  }
  return { ok: true, text };
}
