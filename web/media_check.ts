/**
 * Is a video link any good, and if not, what is wrong with it, in words a person understands:
 * not found, not a video, the server unreachable or too slow, an HLS playlist missing, or an
 * HLS stream the browser may not read (CORS). The lobby checks a link before it starts a room;
 * a room's player asks again when the media fails, for the same words.
 *
 * Pure of the DOM: `fetch` and the <video> probe are passed in (the page gives the browser's,
 * tests give fakes). How it tells the cases apart:
 *
 * - a normal (CORS) request gives the status and the content type, when the server allows it;
 * - when that request fails, a `no-cors` one tells an unreachable server (it fails too) from
 *   one that only does not allow this page to read it (an opaque answer);
 * - a detached <video> loading the metadata says whether the browser can play the file.
 */
import { MAX_MEDIA_URL_CHARS } from "../protocol/limits.ts";
import { isHlsUrl, tooLongText } from "./urls.ts";

export type MediaProblemKind =
  | "too_long"
  | "not_found"
  | "not_video"
  | "unreachable"
  | "timeout"
  | "hls_missing"
  | "cors"
  | "http_error"
  | "unplayable";

export interface MediaProblem {
  readonly kind: MediaProblemKind;
  /** What the page says. */
  readonly message: string;
}

/** What the detached <video> made of the link. */
export type ProbeResult = "ok" | "error" | "timeout";

export interface MediaCheckDeps {
  readonly fetch: typeof fetch;
  /** Loads the link's metadata in a detached <video>: playable, or not. */
  readonly probeVideo: (url: string, timeoutMs: number) => Promise<ProbeResult>;
  /** The page's origin, for the CORS advice. */
  readonly pageOrigin: string;
  /** The browser plays HLS itself (Safari): no CORS needed, the <video> probe decides. */
  readonly nativeHls?: boolean;
  readonly timeoutMs?: number;
}

export const MEDIA_CHECK_TIMEOUT_MS = 8_000;

/** "That link is too long …", or null: the one check that needs no network. */
export function tooLong(url: string): MediaProblem | null {
  if (url.length <= MAX_MEDIA_URL_CHARS) return null;
  return problem("too_long", tooLongText(url.length));
}

export const MESSAGES = {
  notFound: (status: number) =>
    `Nothing was found at this link: the server answered ${status} (${
      status === 410 ? "Gone" : "Not Found"
    }). Check the address; the video may have moved or been deleted.`,
  notVideo: (type: string) =>
    `This link opens ${
      /html/i.test(type) ? "a web page" : "text"
    } (${type}), not a video. Use the direct link to the video file or its .m3u8 playlist, not the page that shows it.`,
  notPlaylist:
    "This link does not give an HLS playlist (it does not start with #EXTM3U). Check the .m3u8 address.",
  undecodable:
    "This file is not a video this browser can play. Use an MP4 (H.264), WebM or HLS (.m3u8) link.",
  unreachable:
    "The video’s server could not be reached. Check the address, and that the server is on and reachable from this network.",
  timeout: (ms: number) => {
    const seconds = Math.max(1, Math.round(ms / 1000));
    return `The video’s server did not answer within ${seconds} second${
      seconds === 1 ? "" : "s"
    }. It may be offline or very slow.`;
  },
  hlsMissing: (status: number) =>
    `The HLS playlist (.m3u8) is missing: the server answered ${status}. Check the playlist’s address.`,
  cors: (origin: string) =>
    `The video’s server does not let this page load the HLS stream (blocked by CORS). The server must send the header Access-Control-Allow-Origin (${origin} or *), for example in Jellyfin’s or nginx’s settings.`,
  httpError: (status: number) =>
    `The video’s server refused the link: it answered ${status}. Check the address, or whether the video needs a login.`,
  unplayable:
    "This link could not be played: it may not exist, or it is not a video this browser can play. Open it in a new tab to see what it shows.",
} as const;

/** Null when the link plays; otherwise what is wrong with it. */
export async function checkMedia(url: string, deps: MediaCheckDeps): Promise<MediaProblem | null> {
  const long = tooLong(url);
  if (long) return long;
  const timeoutMs = deps.timeoutMs ?? MEDIA_CHECK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(0, deadline - Date.now());
  const hls = isHlsUrl(url);
  const answer = await look(url, deps, timeoutMs, hls);
  if (answer === "timeout") return problem("timeout", MESSAGES.timeout(timeoutMs));
  if (answer === "unreachable") return problem("unreachable", MESSAGES.unreachable);
  if (answer === "opaque") {
    // Reachable, but this page may not read it: fine for a <video>, fatal for hls.js (every
    // browser without native HLS, so some members, even where this one plays it itself).
    if (hls) return problem("cors", MESSAGES.cors(deps.pageOrigin));
  } else {
    const { status, type, body } = answer;
    if (status === 404 || status === 410) {
      return hls
        ? problem("hls_missing", MESSAGES.hlsMissing(status))
        : problem("not_found", MESSAGES.notFound(status));
    }
    if (status >= 400) return problem("http_error", MESSAGES.httpError(status));
    if (hls) {
      if (body !== null && !body.trimStart().startsWith("#EXTM3U")) {
        return /^text\/html\b/i.test(type)
          ? problem("not_video", MESSAGES.notVideo(mainType(type)))
          : problem("not_video", MESSAGES.notPlaylist);
      }
      if (!deps.nativeHls) return null; // hls.js reads it from here, as this check did
    } else if (/^(text\/|application\/(xhtml\+xml|json|xml)\b)/i.test(type)) {
      return problem("not_video", MESSAGES.notVideo(mainType(type)));
    }
  }
  const probe = await deps.probeVideo(url, left());
  if (probe === "ok") return null;
  if (probe === "timeout") return problem("timeout", MESSAGES.timeout(timeoutMs));
  // The server gave a file and said it was no text: the browser could not decode it.
  return answer === "opaque"
    ? problem("unplayable", MESSAGES.unplayable)
    : problem("not_video", MESSAGES.undecodable);
}

type Answer =
  | { readonly status: number; readonly type: string; readonly body: string | null }
  | "opaque"
  | "unreachable"
  | "timeout";

/** The link's answer: its status and type (with a playlist's text), or why there is none. */
async function look(url: string, deps: MediaCheckDeps, timeoutMs: number, hls: boolean) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    try {
      const response = await deps.fetch(url, { signal: controller.signal, cache: "no-store" });
      const type = response.headers.get("content-type") ?? "";
      // A playlist is small: read it. A video is not: its headers are enough.
      const body = hls && response.ok ? await response.text() : null;
      if (!hls || !response.ok) void response.body?.cancel().catch(() => {});
      return { status: response.status, type, body } satisfies Answer;
    } catch {
      if (timedOut) return "timeout" satisfies Answer;
    }
    try {
      await deps.fetch(url, { mode: "no-cors", signal: controller.signal, cache: "no-store" });
      return "opaque" satisfies Answer;
    } catch {
      return (timedOut ? "timeout" : "unreachable") satisfies Answer;
    }
  } finally {
    clearTimeout(timer);
  }
}

function mainType(type: string): string {
  return type.split(";")[0]!.trim().toLowerCase() || "text";
}

function problem(kind: MediaProblemKind, message: string): MediaProblem {
  return { kind, message };
}
