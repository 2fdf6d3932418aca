/**
 * The room's timeline as a client sees it: the media is at `position` at server instant
 * `serverTs` and, while playing, advances at `rate` media seconds per second. Every command,
 * room_state and state_update the server sends is a point of it; a scheduled command's point
 * (`position_at_target` at `target_server_ts`) takes over at its target instant.
 */
export interface TimelinePoint {
  readonly position: number;
  readonly serverTs: number;
  readonly playing: boolean;
  readonly rate: number;
}

/** Where the timeline is at `serverNow`. Before the point's instant it runs backwards too. */
export function timelinePosition(point: TimelinePoint, serverNow: number): number {
  if (!point.playing) return point.position;
  return Math.max(0, point.position + ((serverNow - point.serverTs) / 1000) * point.rate);
}
