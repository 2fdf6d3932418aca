/**
 * What the upstream OpenWatchParty browser client does when its socket closes, as its
 * connection code does it (a test double, like legacy_client.ts for its playback arithmetic):
 *
 * - it reconnects on its own after 1 s, doubling up to 30 s while attempts fail;
 * - a member remembers its room and, once connected again, sends `join_room` for it (it has no
 *   resume: it comes back as a new member); a rejoin that gets an `error`, or no `room_state`
 *   within 5 s, fails with the error's text (or "Could not rejoin the watch party");
 * - a host gives its room up at once and says so: it never rejoins;
 * - a `room_closed` cancels any rejoin (the room is gone).
 */

/** The upstream client's first reconnect delay; it doubles on each failed attempt. */
export const UPSTREAM_RECONNECT_BASE_MS = 1_000;
export const UPSTREAM_RECONNECT_MAX_MS = 30_000;
/** How long a rejoin may wait for the room's state. */
export const UPSTREAM_REJOIN_TIMEOUT_MS = 5_000;
export const UPSTREAM_HOST_GONE_NOTICE = "The watch party closed when the host disconnected";
export const UPSTREAM_REJOIN_FAILED_NOTICE = "Could not rejoin the watch party";

/** The delay before reconnect attempt `attempt` (0 for the first after a close). */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(UPSTREAM_RECONNECT_BASE_MS * 2 ** attempt, UPSTREAM_RECONNECT_MAX_MS);
}

/** What the client does with its room when the socket closes. */
export type AfterClose =
  | { readonly kind: "lobby" }
  | { readonly kind: "gave_up"; readonly notice: string }
  | { readonly kind: "rejoin"; readonly roomId: string };

export function afterClose(room: { id: string; isHost: boolean } | null): AfterClose {
  if (!room) return { kind: "lobby" };
  if (room.isHost) return { kind: "gave_up", notice: UPSTREAM_HOST_GONE_NOTICE };
  return { kind: "rejoin", roomId: room.id };
}
