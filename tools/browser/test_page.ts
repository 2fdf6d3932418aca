/**
 * A test-only watch page, for flows that need nothing of the real page but its contract: the
 * built client bundle (client.js, as `deno task build` makes it) and a <video>, with
 * `window.owp = { client, video }` and the real page's URL scheme:
 * `?name=<display name>&ws=<ws url>#room=<id>` (name, WebSocket override, deep-link join).
 * Served by the harness's static server, so its origin is another than the session server's:
 * the socket goes through the origin check like any third-party page's. The bundle comes from
 * the same origin, because the session server's /client.js carries no CORS header and a module
 * script from another origin needs one.
 */
export const TEST_PAGE_PATH = "/test/watch.html";

export const TEST_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>OpenWatchParty test page</title>
<style>body { margin: 0; background: #000 } video { width: 640px; height: 360px }</style>
</head>
<body>
<main>
<video id="video" playsinline preload="auto"></video>
</main>
<script type="module">
import { connect } from "/dist/client.js";

const params = new URLSearchParams(location.search);
const video = document.getElementById("video");
const client = connect({
  userName: params.get("name") ?? "",
  ...(params.get("ws") ? { url: params.get("ws") } : {}),
});
window.owp = { client, video };
let attached = false;
client.on("room", (room) => {
  const base = location.pathname + location.search;
  if (!room) {
    history.replaceState(null, "", base);
    return;
  }
  history.replaceState(null, "", base + "#room=" + encodeURIComponent(room.id));
  if (room.mediaUrl && video.getAttribute("src") !== room.mediaUrl) video.src = room.mediaUrl;
  if (!attached) {
    attached = true;
    client.attachVideo(video);
  }
});
const wanted = new URLSearchParams(location.hash.slice(1)).get("room");
if (wanted) client.joinRoom(wanted);
</script>
</body>
</html>
`;
