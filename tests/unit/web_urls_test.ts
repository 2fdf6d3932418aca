/** The watch page's address rules (web/urls.ts): media links, HLS detection, invite links. */
import assert from "node:assert/strict";
import {
  checkMediaUrl,
  inviteFromHash,
  inviteUrl,
  isHlsUrl,
  roomFromHash,
} from "../../web/urls.ts";

Deno.test("media links: http and https only, at most 2,048 characters", () => {
  assert.equal(checkMediaUrl("https://media.example/film.mp4"), null);
  assert.equal(checkMediaUrl("http://127.0.0.1:8099/a.webm?x=1"), null);
  assert.match(checkMediaUrl("")!, /Enter the link/);
  assert.match(checkMediaUrl("film.mp4")!, /not a web address/);
  for (
    const bad of [
      "ftp://x/y.mp4",
      "javascript:alert(1)",
      "data:video/mp4,AAAA",
      "file:///etc/passwd",
    ]
  ) {
    assert.match(checkMediaUrl(bad)!, /Only http/, bad);
  }
  assert.match(checkMediaUrl(`https://m.example/${"a".repeat(2048)}`)!, /too long/);
});

Deno.test("HLS is told by the path, whatever the query", () => {
  assert.equal(isHlsUrl("https://m.example/live/index.m3u8"), true);
  assert.equal(isHlsUrl("https://m.example/live/INDEX.M3U8?token=abc"), true);
  assert.equal(isHlsUrl("https://m.example/film.mp4?list=.m3u8"), false);
  assert.equal(isHlsUrl("not a url"), false);
});

Deno.test("invite links: #room=<id> on this page, without ?name=, and read back", () => {
  const link = inviteUrl("room-1", "http://localhost:3000/?name=Ann&ws=ws%3A%2F%2Fproxy%2Fws#old");
  assert.equal(link, "http://localhost:3000/?ws=ws%3A%2F%2Fproxy%2Fws#room=room-1");
  assert.equal(roomFromHash(new URL(link).hash), "room-1");
  assert.equal(roomFromHash(""), null);
  assert.equal(roomFromHash("#other=1"), null);
  assert.equal(roomFromHash(`#room=${"x".repeat(129)}`), null);
});

Deno.test("invite links to a locked room carry the invite token, and read back", () => {
  const link = inviteUrl("room-1", "https://watch.example/", "eyJ.a-b_c.d");
  assert.equal(link, "https://watch.example/#room=room-1&invite=eyJ.a-b_c.d");
  assert.deepEqual(inviteFromHash(new URL(link).hash), {
    roomId: "room-1",
    invite: "eyJ.a-b_c.d",
  });
  assert.deepEqual(inviteFromHash("#room=room-1"), { roomId: "room-1", invite: null });
  assert.deepEqual(inviteFromHash(`#room=r&invite=${"x".repeat(2049)}`), {
    roomId: "r",
    invite: null,
  });
  assert.equal(inviteFromHash("#invite=abc"), null);
});
