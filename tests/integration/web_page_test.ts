/**
 * The watch page's HTTP side: the page and bundles with ETags and 304s, the security headers,
 * a hint when nothing is built, only plain bundle names served, and the page's own origin
 * always allowed on /ws whatever ALLOWED_ORIGINS says.
 */
import assert from "node:assert/strict";
import { RawWebSocket } from "../helpers/raw_socket.ts";
import { startTestServer } from "../helpers/test_server.ts";

/** A web root in a temporary folder: index.html, app.css and, when `built`, dist/ bundles. */
async function webRoot(built: boolean): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "owp-web-" });
  await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html><title>Watch</title>");
  await Deno.writeTextFile(`${dir}/app.css`, "body { margin: 0 }");
  if (built) {
    await Deno.mkdir(`${dir}/dist`);
    await Deno.writeTextFile(`${dir}/dist/app.js`, "console.log('app')");
    await Deno.writeTextFile(`${dir}/dist/client.js`, "export const client = 1;");
    await Deno.writeTextFile(`${dir}/dist/chunk-AB12.js`, "export const shared = 1;");
  }
  return new URL(`file://${dir}/`);
}

Deno.test("the page and its bundles: content types, ETag and 304, no-cache, CSP", async () => {
  const root = await webRoot(true);
  await using test = startTestServer({ webRoot: root });
  for (
    const [path, type, body] of [
      ["/", "text/html", "<!doctype html><title>Watch</title>"],
      ["/app.css", "text/css", "body { margin: 0 }"],
      ["/app.js", "text/javascript", "console.log('app')"],
      ["/client.js", "text/javascript", "export const client = 1;"],
      ["/chunk-AB12.js", "text/javascript", "export const shared = 1;"],
    ] as const
  ) {
    const response = await fetch(`${test.httpUrl}${path}`);
    assert.equal(response.status, 200, path);
    assert.ok(response.headers.get("content-type")!.startsWith(type), path);
    assert.equal(await response.text(), body, path);
    assert.equal(response.headers.get("cache-control"), "no-cache");
    assert.match(response.headers.get("content-security-policy")!, /script-src 'self'/);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    const etag = response.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    const again = await fetch(`${test.httpUrl}${path}`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304, path);
    await again.body?.cancel();
  }
  // A new build is picked up: a changed file gets a new ETag.
  const before = (await fetch(`${test.httpUrl}/app.js`)).headers.get("etag");
  await Deno.writeTextFile(new URL("dist/app.js", root), "console.log('app 2')");
  const after = await fetch(`${test.httpUrl}/app.js`);
  assert.equal(await after.text(), "console.log('app 2')");
  assert.notEqual(after.headers.get("etag"), before);
});

Deno.test("only plain bundle names are served; nothing outside dist/", async () => {
  await using test = startTestServer({ webRoot: await webRoot(true) });
  for (
    const path of ["/../deno.json", "/%2e%2e/main.ts", "/dist/app.js", "/.env.js", "/nope.js"]
  ) {
    const response = await fetch(`${test.httpUrl}${path}`);
    assert.equal(response.status, 404, path);
    await response.body?.cancel();
  }
});

Deno.test("before a build, / says how to build the page", async () => {
  await using test = startTestServer({ webRoot: await webRoot(false) });
  const response = await fetch(`${test.httpUrl}/`);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /deno task build/);
});

Deno.test("the page's own origin may open /ws whatever ALLOWED_ORIGINS says; others may not", async () => {
  await using test = startTestServer({ env: { ALLOWED_ORIGINS: "https://jellyfin.example.com" } });
  const own = await RawWebSocket.connect(test.port, { Origin: `http://127.0.0.1:${test.port}` });
  assert.ok(await own.readMessage("client_hello"));
  own.abort();
  await assert.rejects(
    RawWebSocket.connect(test.port, { Origin: `http://127.0.0.1:${test.port + 1}` }),
    /403/,
  );
  await assert.rejects(
    RawWebSocket.connect(test.port, { Origin: "http://evil.example" }),
    /403/,
  );
});
