/**
 * A room's playback (docs/protocol.md 5.2–5.7): the room's timeline (position, anchor, rate),
 * the pending play, and the instants the state_update filters need. Owned by one Room and
 * driven only from inside that room's queue. It decides and the room acts: every method returns
 * what should happen (messages to send, the ready-wait timer to arm or cancel), so the room
 * stays the one owner of members and timers, and this stays a plain state machine on explicit
 * instants. Who may command, and who counts as ready, are the room's business.
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
  advance,
  commandAnchor,
  type CommandTiming,
  judgeStateUpdate,
  legacyPlayPoint,
  type Playback,
  positionAt,
  rateAt,
  type StateUpdateVerdict,
} from "./policy.ts";

/** A player_event from whoever may command, validated. */
export interface HostCommand {
  readonly action: PlayerAction;
  readonly position: number;
  readonly playState: PlayState | null;
  readonly timing: CommandTiming;
}

/** Who sent a command, and whether its relay goes back to the sender too. */
export interface Sender {
  readonly id: string;
  /**
   * Under shared control the sender receives its own command like everyone, so two commands in
   * one window end the same way for all (the later one, in the room's order).
   */
  readonly echo: boolean;
}

export type PlaybackEffect =
  /** To every member but `except` (null: everyone). */
  | { readonly kind: "broadcast"; readonly message: ServerMessage; readonly except: string | null }
  /** To one member only. */
  | { readonly kind: "send"; readonly to: string; readonly message: ServerMessage }
  /** A play is waiting: bound the wait (the timer fires `ready_wait_expired` with `playId`). */
  | { readonly kind: "arm_ready_wait"; readonly playId: number; readonly waitMs: number }
  | { readonly kind: "cancel_ready_wait" };

/** A play asked for while some member was not ready yet. */
export interface PendingPlay {
  /** Tells a stale ready-wait firing from the current one. */
  readonly id: number;
  /** Who asked for it: the `client` of the play when it fires. */
  readonly senderId: string;
  readonly position: number;
  /** When the sender's player was at `position`; null for a deferred sender (known at firing). */
  readonly anchorTs: number | null;
  /** What play_state was before the play, restored if a seek cancels it. */
  readonly previousPlayState: PlayState;
}

const NOTHING: readonly PlaybackEffect[] = [];

/** The controller's whole state as data: what a saved room keeps of its playback. */
export interface PlaybackData {
  readonly playback: Playback;
  readonly pendingPlay: PendingPlay | null;
  readonly nextPlayId: number;
  readonly lastCommandTs: number | null;
  readonly lastStateTs: number | null;
  readonly lastTargetTs: number | null;
}

export class PlaybackController {
  readonly #roomId: string;
  readonly #timings: Timings;
  #playback: Playback;
  #pendingPlay: PendingPlay | null = null;
  #nextPlayId = 1;
  #lastCommandTs: number | null = null;
  #lastStateTs: number | null = null;
  /** The target instant of the last scheduled command: until then it is in flight (5.7). */
  #lastTargetTs: number | null = null;

  constructor(roomId: string, timings: Timings, startPosition: number) {
    this.#roomId = roomId;
    this.#timings = timings;
    this.#playback = { position: startPosition, playState: "paused", anchorTs: null, rate: 1 };
  }

  get playback(): Playback {
    return this.#playback;
  }

  toData(): PlaybackData {
    return {
      playback: this.#playback,
      pendingPlay: this.#pendingPlay,
      nextPlayId: this.#nextPlayId,
      lastCommandTs: this.#lastCommandTs,
      lastStateTs: this.#lastStateTs,
      lastTargetTs: this.#lastTargetTs,
    };
  }

  /** Takes a saved room's playback back (its ready-wait timer is the room's to re-arm). */
  loadData(data: PlaybackData): void {
    this.#playback = data.playback;
    this.#pendingPlay = data.pendingPlay;
    this.#nextPlayId = data.nextPlayId;
    this.#lastCommandTs = data.lastCommandTs;
    this.#lastStateTs = data.lastStateTs;
    this.#lastTargetTs = data.lastTargetTs;
  }

  get hasPendingPlay(): boolean {
    return this.#pendingPlay !== null;
  }

  /**
   * A player_event. A play fires at once when `allReady`, else waits at most `waitMs` for
   * the members to be ready.
   */
  command(
    now: number,
    sender: Sender,
    command: HostCommand,
    allReady: boolean,
    waitMs: number,
  ): readonly PlaybackEffect[] {
    this.#lastCommandTs = now; // starts the state_update cooldown
    const anchorTs = commandAnchor(command.timing, now);
    if (command.action === "play") {
      if (allReady) return this.#firePlay(now, sender.id, command.position, anchorTs);
      return this.#holdPlay(sender.id, command.position, anchorTs, waitMs);
    }
    const effects: PlaybackEffect[] = [];
    const previous = this.#cancelPendingPlay(effects);
    const target = now + this.#timings.controlScheduleMs;
    const playState: PlayState = command.action === "pause"
      ? "paused"
      : command.playState ?? previous ?? this.#playback.playState;
    const p = command.position;
    // A paused room's position holds from whenever; a playing one advances from the anchor
    // (a deferred sender starts at the target); a buffering host's player is stalled at p.
    const moving = playState === "playing" && command.action !== "buffering";
    const t0 = moving ? anchorTs ?? target : command.action === "buffering" ? null : target;
    this.#playback = { ...this.#playback, position: p, playState, anchorTs: t0 };
    this.#lastTargetTs = target;
    const payload: PlayerEventPayload = {
      action: command.action,
      position: p,
      play_state: playState,
      target_server_ts: target,
      position_at_target: moving && t0 !== null ? advance(p, t0, target, this.#playback) : p,
    };
    const message = build.playerEvent(this.#roomId, sender.id, payload, target);
    effects.push({ kind: "broadcast", message, except: sender.echo ? null : sender.id });
    return effects;
  }

  /**
   * A new playback rate, scheduled like a seek: the timeline runs at the old rate until the
   * sender's instant (its `at_server_ts`) and at the new one from there. Without that instant,
   * until the target, when the players switch (they are told to): anchored at the arrival, the
   * timeline would run ahead of every player by (target − arrival) × (new − old rate), and a
   * command anchored before the target (a play right behind the change) still runs at the old
   * rate until it. The timeline and a waiting play are re-anchored at the change.
   */
  setRate(now: number, sender: Sender, rate: number, timing: CommandTiming): PlaybackEffect[] {
    const target = now + this.#timings.controlScheduleMs;
    const switchTs = timing.atServerTs === null ? target : commandAnchor(timing, now) ?? target;
    const before = this.#playback;
    // Re-anchored at the switch when it is past, else now (an anchor must not be in the future);
    // a change still pending from before is folded in at its rate now.
    const t0 = Math.min(switchTs, now);
    const rateSwitch = switchTs > t0 ? { atTs: switchTs, rateBefore: rateAt(before, t0) } : null;
    this.#playback = {
      position: positionAt(before, t0),
      playState: before.playState,
      anchorTs: before.anchorTs === null ? null : t0,
      rate,
      rateSwitch,
    };
    const pending = this.#pendingPlay;
    if (pending && pending.anchorTs !== null) {
      const rebased = advance(pending.position, pending.anchorTs, t0, before);
      this.#pendingPlay = { ...pending, position: rebased, anchorTs: t0 };
    }
    this.#lastTargetTs = Math.max(this.#lastTargetTs ?? 0, target);
    const atTarget = positionAt(this.#playback, target);
    const message = build.rateChanged(this.#roomId, sender.id, {
      rate,
      target_server_ts: target,
      position_at_target: atTarget,
      play_state: this.#playback.playState,
    }, now);
    return [{ kind: "broadcast", message, except: null }];
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
    this.#playback = { ...this.#playback, position, playState, anchorTs };
    this.#lastStateTs = now;
    const state = { position: positionAt(this.#playback, now), play_state: playState };
    const message = build.stateUpdate(this.#roomId, hostId, state, now);
    return { verdict, effects: [{ kind: "broadcast", message, except: hostId }] };
  }

  /** The ready set or the members changed: a complete set fires a waiting play at once. */
  readinessChanged(now: number, allReady: boolean): readonly PlaybackEffect[] {
    const pending = this.#pendingPlay;
    if (!pending || !allReady) return NOTHING;
    return this.#firePlay(now, pending.senderId, pending.position, pending.anchorTs);
  }

  /** The ready-wait timer's command; a stale one (play fired or cancelled since) does nothing. */
  readyWaitExpired(now: number, playId: number): readonly PlaybackEffect[] {
    const pending = this.#pendingPlay;
    if (pending?.id !== playId) return NOTHING;
    return this.#firePlay(now, pending.senderId, pending.position, pending.anchorTs);
  }

  /** Fires a waiting play now, whoever is not ready (`start_anyway`); false if none waits. */
  startAnyway(now: number): readonly PlaybackEffect[] | null {
    const pending = this.#pendingPlay;
    if (!pending) return null;
    return this.#firePlay(now, pending.senderId, pending.position, pending.anchorTs);
  }

  /**
   * A member that joined or became ready while the room plays: its own play, scheduled like
   * any, from where the timeline will be then. Nobody else is disturbed. Null when the room is
   * not playing (or still waiting to).
   */
  catchUp(now: number, memberId: string, senderId: string): PlaybackEffect | null {
    const playback = this.#playback;
    if (playback.playState !== "playing" || playback.anchorTs === null || this.#pendingPlay) {
      return null;
    }
    const target = now + this.#timings.playScheduleMs;
    return { kind: "send", to: memberId, message: this.#playMessage(senderId, target) };
  }

  /**
   * New media: the timeline starts over, paused at `position` (the rate stays); a waiting play
   * is dropped. The host's player still reports the old media for a moment, playing or not:
   * for a command's cooldown its updates count as in flight, off the new timeline.
   */
  load(now: number, position: number): readonly PlaybackEffect[] {
    const effects: PlaybackEffect[] = [];
    this.#cancelPendingPlay(effects);
    this.#playback = { position, playState: "paused", anchorTs: null, rate: this.#playback.rate };
    this.#lastCommandTs = now;
    this.#lastTargetTs = now + this.#timings.commandCooldownMs;
    return effects;
  }

  /** The room is closing: no timer may outlive it. */
  stop(): readonly PlaybackEffect[] {
    const effects: PlaybackEffect[] = [];
    this.#cancelPendingPlay(effects);
    return effects;
  }

  /** Creates (or moves) the pending play; the wait is bounded from the first play, not reset. */
  #holdPlay(
    senderId: string,
    position: number,
    anchorTs: number | null,
    waitMs: number,
  ): readonly PlaybackEffect[] {
    const existing = this.#pendingPlay;
    const id = existing?.id ?? this.#nextPlayId++;
    const previousPlayState = existing?.previousPlayState ?? this.#playback.playState;
    this.#pendingPlay = { id, senderId, position, anchorTs, previousPlayState };
    // Playing: a sender that acted at once is playing now; a deferred one's timeline starts
    // only when the play fires, so its position holds until then.
    this.#playback = { ...this.#playback, position, playState: "playing", anchorTs };
    return existing ? NOTHING : [{ kind: "arm_ready_wait", playId: id, waitMs }];
  }

  /**
   * Play for everyone, sender included, at one instant far enough ahead for all to start,
   * from the position the timeline reaches then (a sender that acted at once has been playing
   * since its anchor, even while the play waited for members).
   */
  #firePlay(
    now: number,
    senderId: string,
    position: number,
    anchorTs: number | null,
  ): readonly PlaybackEffect[] {
    const effects: PlaybackEffect[] = [];
    this.#cancelPendingPlay(effects);
    const target = now + this.#timings.playScheduleMs;
    this.#playback = {
      ...this.#playback,
      position,
      playState: "playing",
      anchorTs: anchorTs ?? target,
    };
    this.#lastTargetTs = target;
    effects.push({ kind: "broadcast", message: this.#playMessage(senderId, target), except: null });
    return effects;
  }

  /** A play for `target` on the current timeline, with the upstream client's point too. */
  #playMessage(senderId: string, target: number): ServerMessage {
    const atTarget = positionAt(this.#playback, target);
    const legacy = legacyPlayPoint(atTarget, target, this.#timings, rateAt(this.#playback, target));
    const payload: PlayerEventPayload = {
      action: "play",
      position: legacy.position,
      play_state: "playing",
      target_server_ts: target,
      position_at_target: atTarget,
    };
    return build.playerEvent(this.#roomId, senderId, payload, legacy.serverTs);
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
