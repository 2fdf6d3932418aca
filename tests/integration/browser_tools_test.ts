/**
 * The browser harness's own network pieces, without a browser: the static server's Range
 * support (which video seeking depends on), and the delay proxy: the delays it adds, the order
 * it keeps, the Origin header it leaves out, and closes passed through.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type DelayProfile, startDelayProxy } from "../../tools/browser/delay_proxy.ts";
import { parseRange, startStaticServer } from "../../tools/browser/static_server.ts";

Deno.test("static server: Range requests as a <video> makes them", async () => {
  const root = await Deno.makeTempDir({ prefix: "owp-static-" });
  const bytes = new Uint8Array(200_000).map((_, i) => i % 251);
  await Deno.writeFile(join(root, "clip.webm"), bytes);
  await Deno.mkdir(join(root, "test"));
  await Deno.writeTextFile(join(root, "test", "page.html"), "<p>hi</p>");
  const server = startStaticServer({ root, files: { "/media/v.webm": join(root, "clip.webm") } });
  try {
    const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
      fetch(`${server.origin}${path}`, { headers, method });

    const whole = await get("/media/v.webm");
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("accept-ranges"), "bytes");
    assert.equal(whole.headers.get("content-type"), "video/webm");
    assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), bytes);

    const middle = await get("/clip.webm", { range: "bytes=100000-100099" });
    assert.equal(middle.status, 206);
    assert.equal(middle.headers.get("content-range"), "bytes 100000-100099/200000");
    assert.equal(middle.headers.get("content-length"), "100");
    assert.deepEqual(new Uint8Array(await middle.arrayBuffer()), bytes.slice(100_000, 100_100));

    // Chromium's first request, and a seek's: open-ended.
    const tail = await get("/clip.webm", { range: "bytes=150000-" });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers.get("content-range"), "bytes 150000-199999/200000");
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), bytes.slice(150_000));

    const suffix = await get("/clip.webm", { range: "bytes=-10" });
    assert.equal(suffix.status, 206);
    assert.deepEqual(new Uint8Array(await suffix.arrayBuffer()), bytes.slice(-10));

    const beyond = await get("/clip.webm", { range: "bytes=200000-" });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), "bytes */200000");
    await beyond.body?.cancel();

    const head = await get("/clip.webm", { range: "bytes=0-9" }, "HEAD");
    assert.equal(head.status, 206);
    assert.equal(head.headers.get("content-length"), "10");

    const page = await get("/test/page.html");
    assert.match(page.headers.get("content-type")!, /^text\/html/);
    assert.equal(await page.text(), "<p>hi</p>");

    for (const path of ["/../etc/passwd", "/test/%2e%2e/%2e%2e/etc/passwd", "/nope.js"]) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      await response.body?.cancel();
    }
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("parseRange: what is understood, what is ignored, what cannot be satisfied", () => {
  assert.deepEqual(parseRange("bytes=0-", 10), { start: 0, end: 9 });
  assert.deepEqual(parseRange("bytes=2-4", 10), { start: 2, end: 4 });
  assert.deepEqual(parseRange("bytes=5-100", 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange("bytes=-3", 10), { start: 7, end: 9 });
  assert.deepEqual(parseRange("bytes=-30", 10), { start: 0, end: 9 });
  assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 10), "unsatisfiable");
  assert.equal(parseRange(null, 10), null);
  assert.equal(parseRange("bytes=0-1,4-5", 10), null);
  assert.equal(parseRange("items=0-1", 10), null);
  assert.equal(parseRange("bytes=5-2", 10), null);
});

/** An echo server that remembers the Origin header of each upgrade. */
function echoServer() {
  const origins: (string | null)[] = [];
  let closeNext = false;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
    origins.push(request.headers.get("origin"));
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (event) => {
      if (event.data === "close me") {
        closeNext = true;
        socket.close(4000, "asked to");
        return;
      }
      socket.send(event.data);
    };
    return response;
  });
  return {
    url: `ws://127.0.0.1:${server.addr.port}/ws`,
    origins,
    get closedByServer() {
      return closeNext;
    },
    close: () => server.shutdown(),
  };
}

function open(url: string): Promise<WebSocket> {
  // Deno's client may send an Origin header, as a browser does.
  const socket = new WebSocket(url, { headers: { origin: "http://page.example" } });
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error("could not connect"));
  });
}

Deno.test("delay proxy: each direction delayed, order kept, no Origin upstream, closes passed on", async () => {
  const echo = echoServer();
  const profile: DelayProfile = {
    up: { delayMs: 40, jitterMs: 15 },
    down: { delayMs: 20, jitterMs: 15 },
  };
  const proxy = startDelayProxy({ target: echo.url, profile, seed: 7 });
  try {
    const socket = await open(proxy.url);
    const received: { n: number; rttMs: number }[] = [];
    const sentAt = new Map<number, number>();
    const count = 60;
    const all = new Promise<void>((resolve) => {
      socket.onmessage = (event) => {
        const n = Number(event.data);
        received.push({ n, rttMs: performance.now() - sentAt.get(n)! });
        if (received.length === count) resolve();
      };
    });
    for (let n = 0; n < count; n++) {
      sentAt.set(n, performance.now());
      socket.send(String(n));
      if (n % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await all;
    assert.deepEqual(received.map((r) => r.n), [...Array(count).keys()], "in order");
    // At least the least delay both ways (minus a timer's millisecond of slack)...
    const least = 40 - 15 + 20 - 15 - 1;
    for (const { n, rttMs } of received) assert.ok(rttMs >= least, `#${n}: ${rttMs} ms`);
    // ...and jittered: not every frame took the same time.
    const rtts = received.map((r) => r.rttMs);
    assert.ok(Math.max(...rtts) - Math.min(...rtts) > 5, "jitter");
    assert.deepEqual(echo.origins, [null], "no Origin header upstream");

    const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
    socket.send("close me");
    const event = await closed;
    assert.ok(echo.closedByServer);
    assert.equal(event.code, 4000, "the server's close code reaches the page");
    assert.equal(proxy.connections, 1);
  } finally {
    await proxy.close();
    await echo.close();
  }
});

Deno.test("delay proxy: a page's close reaches the server", async () => {
  const closes: number[] = [];
  let closed: () => void = () => {};
  const done = new Promise<void>((resolve) => closed = resolve);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onclose = (event) => {
      closes.push(event.code);
      closed();
    };
    return response;
  });
  const proxy = startDelayProxy({
    target: `ws://127.0.0.1:${server.addr.port}/ws`,
    profile: { up: { delayMs: 10, jitterMs: 0 }, down: { delayMs: 10, jitterMs: 0 } },
  });
  try {
    const socket = await open(proxy.url);
    const pageClosed = new Promise((resolve) => socket.onclose = resolve);
    socket.close(1000, "bye");
    await done;
    await pageClosed;
    assert.deepEqual(closes, [1000]);
  } finally {
    await proxy.close();
    await server.shutdown();
  }
});
