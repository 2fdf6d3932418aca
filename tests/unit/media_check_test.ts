/**
 * The watch page's link check (web/media_check.ts), without a browser: fetch and the <video>
 * probe are fakes. Each broken kind gets its own words; a good link passes.
 */
import assert from "node:assert/strict";
import {
  checkMedia,
  type MediaCheckDeps,
  MESSAGES,
  type ProbeResult,
} from "../../web/media_check.ts";
import { MAX_MEDIA_URL_CHARS } from "../../protocol/limits.ts";

const ORIGIN = "http://watch.example";

type Route = (init?: RequestInit) => Response | "network" | "cors" | "hang";

/** A fetch that answers from `route`: "network" fails both ways, "cors" fails only CORS reads. */
function fakeFetch(route: Route, calls: RequestInit[] = []): typeof fetch {
  return ((_input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(init ?? {});
    const answer = route(init);
    if (answer === "hang") {
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener(
          "abort",
          () => reject(new DOMException("aborted", "AbortError")),
        );
      });
    }
    if (answer === "network") return Promise.reject(new TypeError("Failed to fetch"));
    if (answer === "cors") {
      return init?.mode === "no-cors"
        ? Promise.resolve(new Response(null, { status: 200 }))
        : Promise.reject(new TypeError("Failed to fetch"));
    }
    return Promise.resolve(answer);
  }) as typeof fetch;
}

function deps(route: Route, probe: ProbeResult = "ok", extra: Partial<MediaCheckDeps> = {}) {
  const probed: string[] = [];
  const calls: RequestInit[] = [];
  const result: MediaCheckDeps = {
    fetch: fakeFetch(route, calls),
    probeVideo: (url) => {
      probed.push(url);
      return Promise.resolve(probe);
    },
    pageOrigin: ORIGIN,
    ...extra,
  };
  return { deps: result, probed, calls };
}

const ok = (type: string, body = "") => () =>
  new Response(body, { status: 200, headers: { "content-type": type } });
const status = (code: number, type = "text/html") => () =>
  new Response("nope", { status: code, headers: { "content-type": type } });

Deno.test("a good video link passes, after the <video> probe", async () => {
  const { deps: d, probed } = deps(ok("video/webm"));
  assert.equal(await checkMedia("https://m.example/film.webm", d), null);
  assert.deepEqual(probed, ["https://m.example/film.webm"]);
});

Deno.test("404 and 410 are 'not found'", async () => {
  for (const code of [404, 410]) {
    const { deps: d, probed } = deps(status(code));
    const problem = await checkMedia("https://m.example/film.mp4", d);
    assert.equal(problem?.kind, "not_found");
    assert.equal(problem?.message, MESSAGES.notFound(code));
    assert.match(
      problem!.message,
      new RegExp(`answered ${code} \\(${code === 404 ? "Not Found" : "Gone"}\\)`),
    );
    assert.deepEqual(probed, [], "no probe needed");
  }
});

Deno.test("a web page or text instead of a video is 'not a video'", async () => {
  const html = await checkMedia(
    "https://m.example/watch?v=1",
    deps(ok("text/html; charset=utf-8")).deps,
  );
  assert.equal(html?.kind, "not_video");
  assert.match(html!.message, /^This link opens a web page \(text\/html\), not a video\./);
  const text = await checkMedia("https://m.example/film.mp4", deps(ok("text/plain")).deps);
  assert.equal(text?.kind, "not_video");
  assert.match(text!.message, /^This link opens text \(text\/plain\), not a video\./);
});

Deno.test("a file the browser cannot decode is 'not a video'", async () => {
  const problem = await checkMedia(
    "https://m.example/film.mkv",
    deps(ok("video/x-matroska"), "error").deps,
  );
  assert.equal(problem?.kind, "not_video");
  assert.equal(problem?.message, MESSAGES.undecodable);
});

Deno.test("an unreachable server, and one that does not answer in time", async () => {
  const down = await checkMedia("http://127.0.0.1:9/film.webm", deps(() => "network").deps);
  assert.equal(down?.kind, "unreachable");
  assert.equal(down?.message, MESSAGES.unreachable);
  const slow = await checkMedia(
    "https://slow.example/film.webm",
    deps(() => "hang", "ok", { timeoutMs: 50 }).deps,
  );
  assert.equal(slow?.kind, "timeout");
  assert.match(slow!.message, /did not answer within 1 second\. /);
  const slowSeconds = MESSAGES.timeout(8_000);
  assert.match(slowSeconds, /within 8 seconds/);
});

Deno.test("HLS: a missing playlist, a page instead of one, a good one", async () => {
  const missing = await checkMedia("https://m.example/live/index.m3u8", deps(status(404)).deps);
  assert.equal(missing?.kind, "hls_missing");
  assert.equal(missing?.message, MESSAGES.hlsMissing(404));
  const page = await checkMedia(
    "https://m.example/live/index.m3u8",
    deps(ok("text/html", "<!doctype html><p>login")).deps,
  );
  assert.equal(page?.kind, "not_video");
  const notPlaylist = await checkMedia(
    "https://m.example/live/index.m3u8",
    deps(ok("application/octet-stream", "garbage")).deps,
  );
  assert.equal(notPlaylist?.message, MESSAGES.notPlaylist);
  const { deps: d, probed } = deps(
    ok("application/vnd.apple.mpegurl", "#EXTM3U\n#EXT-X-VERSION:3\n"),
  );
  assert.equal(await checkMedia("https://m.example/live/index.m3u8?t=1", d), null);
  assert.deepEqual(probed, [], "hls.js reads the playlist as the check did");
});

Deno.test("HLS without CORS headers: 'blocked by CORS', naming the header and this page", async () => {
  const { deps: d, calls } = deps(() => "cors");
  const problem = await checkMedia("http://other.example/live/index.m3u8", d);
  assert.equal(problem?.kind, "cors");
  assert.match(problem!.message, /blocked by CORS/);
  assert.match(problem!.message, /Access-Control-Allow-Origin \(http:\/\/watch\.example or \*\)/);
  assert.match(problem!.message, /Jellyfin’s or nginx’s/);
  assert.deepEqual(calls.map((c) => c.mode ?? "cors"), ["cors", "no-cors"]);
  // Even where this browser plays HLS itself: the members whose browsers use hls.js cannot.
  const native = await checkMedia(
    "http://other.example/live/index.m3u8",
    deps(() => "cors", "ok", { nativeHls: true }).deps,
  );
  assert.equal(native?.kind, "cors");
  // A readable playlist in a browser that plays HLS itself: the <video> probe decides.
  const readable = deps(ok("application/vnd.apple.mpegurl", "#EXTM3U\n"), "error", {
    nativeHls: true,
  });
  assert.equal((await checkMedia("https://m.example/a.m3u8", readable.deps))?.kind, "not_video");
  assert.deepEqual(readable.probed, ["https://m.example/a.m3u8"]);
});

Deno.test("a video without CORS: fine when it plays; otherwise the words say what it may be", async () => {
  assert.equal(await checkMedia("http://other.example/film.webm", deps(() => "cors").deps), null);
  const broken = await checkMedia(
    "http://other.example/film.webm",
    deps(() => "cors", "error").deps,
  );
  assert.equal(broken?.kind, "unplayable");
  assert.equal(broken?.message, MESSAGES.unplayable);
});

Deno.test("a link over the protocol's limit is refused with its length, at the limit it is checked", async () => {
  const base = "https://m.example/";
  const long = base + "a".repeat(MAX_MEDIA_URL_CHARS - base.length + 1);
  const { deps: d, calls } = deps(ok("video/webm"));
  const problem = await checkMedia(long, d);
  assert.equal(problem?.kind, "too_long");
  assert.equal(
    problem?.message,
    "That link is too long: 2,049 characters, and a room takes 2,048 at most. Use a shorter link to the video.",
  );
  assert.equal(calls.length, 0, "nothing fetched");
  assert.equal(await checkMedia(long.slice(0, -1), d), null);
});

Deno.test("other HTTP errors say the status", async () => {
  const problem = await checkMedia("https://m.example/film.mp4", deps(status(403)).deps);
  assert.equal(problem?.kind, "http_error");
  assert.match(problem!.message, /answered 403/);
});
