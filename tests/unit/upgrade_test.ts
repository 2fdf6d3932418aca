import assert from "node:assert/strict";
import { asksForWebSocket } from "../../server/upgrade.ts";

Deno.test("Upgrade is a token list compared without case", () => {
  for (const value of ["websocket", "WebSocket", "WEBSOCKET", "h2c, WebSocket", " websocket "]) {
    assert.ok(asksForWebSocket(value), value);
  }
  for (const value of [undefined, "", "h2c", "websockets", "web socket", "websocket/13x"]) {
    assert.ok(!asksForWebSocket(value), String(value));
  }
});
