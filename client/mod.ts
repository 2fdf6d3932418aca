/**
 * The OpenWatchParty sync client, for any page with a <video>. Served bundled at /client.js:
 *
 *   import { connect } from "/client.js";
 *   const party = connect({ userName: "Ann" });
 *   party.on("rooms", (rooms) => ...);
 *   party.attachPlayer(document.querySelector("video"));
 *   party.joinRoom(roomId);
 */
/// <reference lib="dom" />
import { browserClock, MediaElementPlayer, openBrowserSocket } from "./browser.ts";
import { SyncClient, type SyncClientOptions } from "./sync_client.ts";

export { browserClock, MediaElementPlayer, openBrowserSocket } from "./browser.ts";
export { SyncClient } from "./sync_client.ts";
export type * from "./sync_client.ts";
export type { FollowState, SyncStatus } from "./playback_sync.ts";
export type { ConnectionState } from "./connection.ts";
export type { Player, PlayerEventType } from "./ports.ts";

export interface ConnectOptions extends Partial<Omit<SyncClientOptions, "url">> {
  /** Defaults to this page's server: ws(s)://<host>/ws. */
  readonly url?: string;
}

/** A started SyncClient for this page, with the browser's clock and WebSocket. */
export function connect(options: ConnectOptions = {}): SyncClient & {
  attachVideo(element: HTMLMediaElement): void;
} {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const client = new SyncClient({
    clock: browserClock,
    openSocket: openBrowserSocket,
    ...options,
    url: options.url ?? `${scheme}//${location.host}/ws`,
  });
  client.start();
  return Object.assign(client, {
    attachVideo(element: HTMLMediaElement) {
      client.attachPlayer(new MediaElementPlayer(element));
    },
  });
}
