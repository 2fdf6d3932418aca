/**
 * The watch page's routes: `/` and its assets, with ETags (304 on a match) and headers that
 * keep the page to itself: scripts, styles and sockets from this server only; media from
 * anywhere (a room's video may live on any web server, and HLS fetches its segments).
 */
import type { Hono } from "hono";
import type { WebAssets } from "./web_assets.ts";

const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src * blob: data:",
    // hls.js fetches playlists and segments itself, from wherever the video is.
    "connect-src 'self' ws: wss: http: https:",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

// deno-lint-ignore no-explicit-any -- any Hono app, whatever its bindings
export function mountWebPage(app: Hono<any>, assets: WebAssets): void {
  // Bundles and their source maps by plain file name (web_assets.ts checks the name again).
  const paths = ["/", "/index.html", "/app.css", "/:file{[A-Za-z0-9_.-]+\\.(?:js|map)}"];
  for (const path of paths) {
    app.get(path, async (c) => {
      const asset = await assets.get(c.req.path);
      if (!asset) return c.notFound();
      const headers = {
        ...PAGE_HEADERS,
        "content-type": asset.contentType,
        "cache-control": "no-cache",
        etag: asset.etag,
      };
      if (c.req.header("if-none-match") === asset.etag) {
        return new Response(null, { status: 304, headers });
      }
      return new Response(asset.body, { status: 200, headers });
    });
  }
}
