/**
 * The pure rules of playback (PROTOCOL.md §3.4–3.6, §4): no state, no clock of their own, so
 * each boundary is tested by plain function calls.
 */
import { MAX_POSITION_SECONDS, type PlayState, type Timings } from "../protocol/mod.ts";

/** Where the media is, and since when that is true. */
export interface Playback {
  /** Seconds into the media at `anchorTs`. The last accepted (not extrapolated) position. */
  readonly position: number;
  readonly playState: PlayState;
  /**
   * The server instant at which `position` holds: the target instant of the last command, or
   * the arrival of the last accepted state update. Null while a play waits for members to be
   * ready: nobody is playing yet, so the position must not advance.
   */
  readonly anchorTs: number | null;
}

/** The position at `now`: a playing room advances from its anchor; it never runs backwards. */
export function positionAt(playback: Playback, now: number): number {
  if (playback.playState !== "playing" || playback.anchorTs === null) return playback.position;
  const elapsedS = Math.max(0, now - playback.anchorTs) / 1000;
  const position = Math.min(MAX_POSITION_SECONDS, playback.position + elapsedS);
  return Math.round(position * 1000) / 1000;
}

export type StateUpdateVerdict =
  | "accept"
  | "drop_cooldown"
  | "drop_interval"
  | "drop_jitter";

export interface StateUpdateContext {
  readonly now: number;
  readonly playback: Playback;
  /** When the host's last player_event arrived, or null if it never sent one. */
  readonly lastCommandTs: number | null;
  /** When the last state update was accepted, or null. */
  readonly lastStateTs: number | null;
}

/**
 * Whether a host's state update is relayed. A change of play_state always is; otherwise it is
 * dropped during the cooldown after a command (the command wins), too soon after the last
 * accepted update, or when the move is HLS jitter backwards or too small forwards.
 */
export function judgeStateUpdate(
  context: StateUpdateContext,
  position: number,
  playState: PlayState,
  timings: Timings,
): StateUpdateVerdict {
  const { now, playback, lastCommandTs, lastStateTs } = context;
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
