/**
 * The pure rules of playback (docs/protocol.md 5.2–5.7, 4): no state, no clock of their own, so
 * each boundary is tested by plain function calls.
 */
import {
  MAX_AT_SERVER_TS_AGE_MS,
  MAX_POSITION_SECONDS,
  type PlayState,
  type Timings,
} from "../protocol/mod.ts";

/**
 * The room's one timeline (protocol 5.4): the media is at `position` at the server instant `anchorTs`
 * and, while playing, advances one second per second from there.
 */
export interface Playback {
  /** Seconds into the media at `anchorTs`. The last accepted (not extrapolated) position. */
  readonly position: number;
  readonly playState: PlayState;
  /**
   * When `position` holds. Null while the timeline is frozen although the room is playing: a
   * deferred host's play waiting for members (nobody has started, and the instant is not known
   * until the play fires), or a host that reported buffering (its player is stalled).
   */
  readonly anchorTs: number | null;
  /** Media seconds per second while playing (extension: the room's playback rate). */
  readonly rate: number;
  /**
   * A rate change not yet in effect: the timeline ran at `rateBefore` until `atTs`, when every
   * player switches (a `set_rate` without the sender's instant switches at its target).
   */
  readonly rateSwitch?: RateSwitch | null;
}

export interface RateSwitch {
  readonly atTs: number;
  readonly rateBefore: number;
}

/** Milliseconds of media time are as fine as any player seeks. */
export function roundPosition(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** The position at `now`: a playing room advances from its anchor; it never runs backwards. */
export function positionAt(playback: Playback, now: number): number {
  if (playback.playState !== "playing" || playback.anchorTs === null) return playback.position;
  return advance(playback.position, playback.anchorTs, now, playback);
}

/**
 * `position`, held at `fromTs`, moved on to `toTs` at the timeline's rate: the rate before a
 * pending switch up to its instant, the room's rate after it. Never backwards.
 */
export function advance(
  position: number,
  fromTs: number,
  toTs: number,
  rates: Pick<Playback, "rate" | "rateSwitch">,
): number {
  const seconds = (from: number, to: number) => Math.max(0, to - from) / 1000;
  const change = rates.rateSwitch;
  const media = change && fromTs < change.atTs
    ? seconds(fromTs, Math.min(toTs, change.atTs)) * change.rateBefore +
      seconds(change.atTs, toTs) * rates.rate
    : seconds(fromTs, toTs) * rates.rate;
  return roundPosition(Math.min(MAX_POSITION_SECONDS, position + media));
}

/** The rate the timeline runs at, at `ts`. */
export function rateAt(playback: Playback, ts: number): number {
  const change = playback.rateSwitch;
  return change && ts < change.atTs ? change.rateBefore : playback.rate;
}

/** How a host says when its player was at the commanded position. */
export interface CommandTiming {
  /** The server instant the host's player was at `position` (a host that acts at once). */
  readonly atServerTs: number | null;
  /** The host starts at the target instant like everyone else. */
  readonly deferred: boolean;
}

/**
 * The instant a command's position holds, or null when it is the (not yet known) target
 * instant: `at_server_ts` clamped into [arrival − 5 s, arrival], else the arrival itself (the
 * upstream host acts the moment the user presses, and its frame arrives right after).
 */
export function commandAnchor(timing: CommandTiming, arrival: number): number | null {
  if (timing.deferred) return null;
  if (timing.atServerTs === null) return arrival;
  return Math.min(arrival, Math.max(arrival - MAX_AT_SERVER_TS_AGE_MS, timing.atServerTs));
}

/**
 * The second point of the timeline that a relayed play carries for the upstream client: it
 * starts at `position + lead + max(0, serverNow − server_ts)`, computed when the play arrives
 * (before `server_ts`), and then corrects drift against (`server_ts`, `position`). With
 * `server_ts = target − lead` and `position` the timeline's position then, both the start and
 * the drift baseline land on the timeline. The lead is capped by the play schedule so the
 * point is never before the play was sent. `position` may be slightly negative at the very
 * start of the media: the pair is exact, and that client only extrapolates from it.
 */
export function legacyPlayPoint(
  positionAtTargetS: number,
  target: number,
  timings: Timings,
  rate = 1,
): { readonly serverTs: number; readonly position: number } {
  const lead = Math.min(timings.legacyClientLeadMs, timings.playScheduleMs);
  return {
    serverTs: target - lead,
    position: roundPosition(positionAtTargetS - (lead / 1000) * rate),
  };
}

export type StateUpdateVerdict =
  | "accept"
  | "drop_pending_play"
  | "drop_in_flight"
  | "drop_cooldown"
  | "drop_interval"
  | "drop_jitter";

export interface StateUpdateContext {
  readonly now: number;
  readonly playback: Playback;
  /** A play is waiting for members to be ready. */
  readonly pendingPlay: boolean;
  /** The target instant of the last scheduled command, or null if none was. */
  readonly lastTargetTs: number | null;
  /** When the host's last player_event arrived, or null if it never sent one. */
  readonly lastCommandTs: number | null;
  /** When the last state update was accepted, or null. */
  readonly lastStateTs: number | null;
}

/**
 * Whether a host's state update is relayed. While a command is in flight (a pending play, or
 * before the last command's target instant) every update is stale: the host's own player has
 * not executed the command yet. Otherwise a change of play_state always is relayed; the rest
 * are dropped during the cooldown after a command (the command wins), too soon after the last
 * accepted update, or when the move is HLS jitter backwards or too small forwards.
 */
export function judgeStateUpdate(
  context: StateUpdateContext,
  position: number,
  playState: PlayState,
  timings: Timings,
): StateUpdateVerdict {
  const { now, playback, lastCommandTs, lastStateTs, lastTargetTs } = context;
  if (context.pendingPlay) return "drop_pending_play";
  if (lastTargetTs !== null && now < lastTargetTs) return "drop_in_flight";
  if (playState !== playback.playState) return "accept";
  if (lastCommandTs !== null && now - lastCommandTs < timings.commandCooldownMs) {
    return "drop_cooldown";
  }
  if (lastStateTs !== null && now - lastStateTs < timings.minStateUpdateIntervalMs) {
    return "drop_interval";
  }
  const delta = position - playback.position;
  if (delta >= -timings.backwardJitterS && delta < timings.jitterThresholdS) return "drop_jitter";
  return "accept";
}
