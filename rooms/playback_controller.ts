/**
 * A room's playback (docs/protocol.md 5.2–5.7, 5.4): the room's timeline, the pending play, and
 * the instants the state_update filters need. Owned by one Room and driven only from inside
 * that room's queue. It decides and the room acts: every method returns what should happen
 * (messages to broadcast, the ready-wait timer to arm or cancel), so the room stays the one
 * owner of members and timers, and this stays a plain state machine on explicit instants.
 */
import {
  build,
  type PlayerAction,
  type PlayerEventPayload,
  type PlayState,
  type ServerMessage,
  type Timings,
} from "../protocol/mod.ts";
import {
  commandAnchor,
  type CommandTiming,
  judgeStateUpdate,
  legacyPlayPoint,
  type Playback,
  positionAt,
  positionAtTarget,
  type StateUpdateVerdict,
} from "./policy.ts";

/** A host's player_event, validated. */
export interface HostCommand {
  readonly action: PlayerAction;
  readonly position: number;
  readonly playState: PlayState | null;
  readonly timing: CommandTiming;
}

export type PlaybackEffect =
  /** `includeHost`: play goes to everyone; the other commands and updates to the others. */
  | { readonly kind: "broadcast"; readonly message: ServerMessage; readonly includeHost: boolean }
  /** A play is waiting: bound the wait (the timer fires `ready_wait_expired` with `playId`). */
  | { readonly kind: "arm_ready_wait"; readonly playId: number }
  | { readonly kind: "cancel_ready_wait" };

/** A play the host asked for while some member was not ready yet. */
interface PendingPlay {
  /** Tells a stale ready-wait firing from the current one. */
  readonly id: number;
  readonly position: number;
  /** When the host's player was at `position`; null for a deferred host (known at firing). */
  readonly anchorTs: number | null;
  /** What play_state was before the play, restored if a seek cancels it. */
  readonly previousPlayState: PlayState;
}

const NOTHING: readonly PlaybackEffect[] = [];

export class PlaybackController {
  readonly #roomId: string;
  readonly #timings: Timings;
  #playback: Playback;
  #pendingPlay: PendingPlay | null = null;
  #nextPlayId = 1;
  #lastCommandTs: number | null = null;
  #lastStateTs: number | null = null;
  /** The target instant of the last scheduled command: until then it is in flight (protocol 5.7). */
  #lastTargetTs: number | null = null;

  constructor(roomId: string, timings: Timings, startPosition: number) {
    this.#roomId = roomId;
    this.#timings = timings;
    this.#playback = { position: startPosition, playState: "paused", anchorTs: null };
  }

  get playback(): Playback {
    return this.#playback;
  }

  get hasPendingPlay(): boolean {
    return this.#pendingPlay !== null;
  }

  /** The host's player_event (the room has checked that it comes from the host). */
  command(
    now: number,
    hostId: string,
    command: HostCommand,
    allReady: boolean,
  ): readonly PlaybackEffect[] {
    this.#lastCommandTs = now; // starts the state_update cooldown
    const anchorTs = commandAnchor(command.timing, now);
    if (command.action === "play") {
      if (allReady) return this.#firePlay(now, hostId, command.position, anchorTs);
      return this.#holdPlay(command.position, anchorTs);
    }
    const effects: PlaybackEffect[] = [];
    const previous = this.#cancelPendingPlay(effects);
    const target = now + this.#timings.controlScheduleMs;
    const playState: PlayState = command.action === "pause"
      ? "paused"
      : command.playState ?? previous ?? this.#playback.playState;
    const p = command.position;
    // A paused room's position holds from whenever; a playing one advances from the anchor
    // (a deferred host starts at the target); a buffering host's player is stalled at p.
    const moving = playState === "playing" && command.action !== "buffering";
    const t0 = moving ? anchorTs ?? target : command.action === "buffering" ? null : target;
    this.#playback = { position: p, playState, anchorTs: t0 };
    this.#lastTargetTs = target;
    const payload: PlayerEventPayload = {
      action: command.action,
      position: p,
      play_state: playState,
      target_server_ts: target,
      position_at_target: moving ? positionAtTarget(p, t0, target) : p,
    };
    const message = build.playerEvent(this.#roomId, hostId, payload, target);
    effects.push({ kind: "broadcast", message, includeHost: false });
    return effects;
  }

  /**
   * The host's state_update: relayed to the others when the filters accept it. The update
   * re-anchors the timeline where the host's player was (`at_server_ts`, clamped like a
   * command's, else the arrival), and the relay carries the timeline's position as it leaves,
   * so every client reads one point of the same timeline.
   */
  stateUpdate(
    now: number,
    hostId: string,
    position: number,
    playState: PlayState,
    atServerTs: number | null = null,
  ): { readonly verdict: StateUpdateVerdict; readonly effects: readonly PlaybackEffect[] } {
    const verdict = judgeStateUpdate(
      {
        now,
        playback: this.#playback,
        pendingPlay: this.#pendingPlay !== null,
        lastTargetTs: this.#lastTargetTs,
        lastCommandTs: this.#lastCommandTs,
        lastStateTs: this.#lastStateTs,
      },
      position,
      playState,
      this.#timings,
    );
    if (verdict !== "accept") return { verdict, effects: NOTHING };
    const anchorTs = commandAnchor({ atServerTs, deferred: false }, now);
    this.#playback = { position, playState, anchorTs };
    this.#lastStateTs = now;
    const state = { position: positionAt(this.#playback, now), play_state: playState };
    const message = build.stateUpdate(this.#roomId, hostId, state, now);
    return { verdict, effects: [{ kind: "broadcast", message, includeHost: false }] };
  }

  /** The ready set or the members changed: a complete set fires a waiting play at once. */
  readinessChanged(now: number, hostId: string, allReady: boolean): readonly PlaybackEffect[] {
    const pending = this.#pendingPlay;
    if (!pending || !allReady) return NOTHING;
    return this.#firePlay(now, hostId, pending.position, pending.anchorTs);
  }

  /** The ready-wait timer's command; a stale one (play fired or cancelled since) does nothing. */
  readyWaitExpired(now: number, hostId: string, playId: number): readonly PlaybackEffect[] {
    const pending = this.#pendingPlay;
    if (pending?.id !== playId) return NOTHING;
    return this.#firePlay(now, hostId, pending.position, pending.anchorTs);
  }

  /** The room is closing: no timer may outlive it. */
  stop(): readonly PlaybackEffect[] {
    const effects: PlaybackEffect[] = [];
    this.#cancelPendingPlay(effects);
    return effects;
  }

  /** Creates (or moves) the pending play; the wait is bounded from the first play, not reset. */
  #holdPlay(position: number, anchorTs: number | null): readonly PlaybackEffect[] {
    const existing = this.#pendingPlay;
    const id = existing?.id ?? this.#nextPlayId++;
    const previousPlayState = existing?.previousPlayState ?? this.#playback.playState;
    this.#pendingPlay = { id, position, anchorTs, previousPlayState };
    // Playing: a host that acted at once is playing now; a deferred host's timeline starts
    // only when the play fires, so its position holds until then.
    this.#playback = { position, playState: "playing", anchorTs };
    return existing ? NOTHING : [{ kind: "arm_ready_wait", playId: id }];
  }

  /**
   * Play for everyone, host included, at one instant far enough ahead for all to start, from
   * the position the timeline reaches then (a host that acted at once has been playing since
   * its anchor, even while the play waited for members).
   */
  #firePlay(
    now: number,
    hostId: string,
    position: number,
    anchorTs: number | null,
  ): readonly PlaybackEffect[] {
    const effects: PlaybackEffect[] = [];
    this.#cancelPendingPlay(effects);
    const target = now + this.#timings.playScheduleMs;
    const t0 = anchorTs ?? target;
    this.#playback = { position, playState: "playing", anchorTs: t0 };
    this.#lastTargetTs = target;
    const atTarget = positionAtTarget(position, t0, target);
    const legacy = legacyPlayPoint(atTarget, target, this.#timings);
    const payload: PlayerEventPayload = {
      action: "play",
      position: legacy.position,
      play_state: "playing",
      target_server_ts: target,
      position_at_target: atTarget,
    };
    const message = build.playerEvent(this.#roomId, hostId, payload, legacy.serverTs);
    effects.push({ kind: "broadcast", message, includeHost: true });
    return effects;
  }

  /** Drops a pending play; returns the play_state from before it, if there was one. */
  #cancelPendingPlay(effects: PlaybackEffect[]): PlayState | null {
    const pending = this.#pendingPlay;
    if (!pending) return null;
    this.#pendingPlay = null;
    effects.push({ kind: "cancel_ready_wait" });
    return pending.previousPlayState;
  }
}
