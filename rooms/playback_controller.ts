/**
 * A room's playback (PROTOCOL.md §3.4–3.6): where the media is and since when, the pending
 * play and its ready-wait timer, and the instants the state_update filters need. Owned by one
 * Room and driven only from inside that room's queue; who may command (the host) and who is a
 * member or ready stay with the room.
 */
import {
  build,
  type PlayerAction,
  type PlayState,
  type ServerMessage,
  type Timings,
} from "../protocol/mod.ts";
import type { Clock } from "./clock.ts";
import { judgeStateUpdate, type Playback, type StateUpdateVerdict } from "./policy.ts";
import type { PendingPlay, RoomCommand } from "./room_types.ts";

/** What the controller needs of its room. */
export interface PlaybackRoom {
  readonly id: string;
  readonly hostId: string;
  /** Every current member is in the ready set. */
  allReady(): boolean;
  broadcast(message: ServerMessage, exceptId?: string | null): void;
  /** Timers fire through the room's queue, never directly. */
  post(command: RoomCommand): void;
}

export class PlaybackController {
  readonly #room: PlaybackRoom;
  readonly #clock: Clock;
  readonly #timings: Timings;
  #playback: Playback;
  #pendingPlay: PendingPlay | null = null;
  #lastCommandTs: number | null = null;
  #lastStateTs: number | null = null;

  constructor(room: PlaybackRoom, clock: Clock, timings: Timings, startPosition: number) {
    this.#room = room;
    this.#clock = clock;
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
  command(action: PlayerAction, position: number, playState: PlayState | null): void {
    const now = this.#clock.now();
    this.#lastCommandTs = now; // starts the state_update cooldown
    if (action === "play") {
      if (this.#room.allReady()) this.#firePlay(position);
      else this.#holdPlay(position);
      return;
    }
    const previous = this.#cancelPendingPlay();
    const target = now + this.#timings.controlScheduleMs;
    const nextState: PlayState = action === "pause"
      ? "paused"
      : playState ?? previous ?? this.#playback.playState;
    this.#playback = { position, playState: nextState, anchorTs: target };
    const { id, hostId } = this.#room;
    this.#room.broadcast(build.playerEvent(id, hostId, action, position, target), hostId);
  }

  /** The host's state_update: relayed to the others when the filters accept it. */
  stateUpdate(position: number, playState: PlayState): StateUpdateVerdict {
    const now = this.#clock.now();
    const verdict = judgeStateUpdate(
      {
        now,
        playback: this.#playback,
        lastCommandTs: this.#lastCommandTs,
        lastStateTs: this.#lastStateTs,
      },
      position,
      playState,
      this.#timings,
    );
    if (verdict !== "accept") return verdict;
    this.#playback = { position, playState, anchorTs: now };
    this.#lastStateTs = now;
    const { id, hostId } = this.#room;
    const state = { position, play_state: playState };
    this.#room.broadcast(build.stateUpdate(id, hostId, state, now), hostId);
    return verdict;
  }

  /** The ready set or the members changed: a complete set fires a waiting play at once. */
  readinessChanged(): void {
    if (this.#pendingPlay && this.#room.allReady()) this.#firePlay(this.#pendingPlay.position);
  }

  /** The ready-wait timer's command; a stale one (play fired or cancelled since) does nothing. */
  readyWaitExpired(pending: PendingPlay): void {
    if (this.#pendingPlay === pending) this.#firePlay(pending.position);
  }

  /** The room is closing: no timer may outlive it. */
  stop(): void {
    this.#cancelPendingPlay();
  }

  /** Creates (or moves) the pending play; the wait is bounded from the first play, not reset. */
  #holdPlay(position: number): void {
    const existing = this.#pendingPlay;
    const previousPlayState = existing?.previousPlayState ?? this.#playback.playState;
    const timer = existing?.timer ??
      this.#clock.setTimer(this.#timings.maxReadyWaitMs, () => {
        const pending = this.#pendingPlay;
        if (pending) this.#room.post({ kind: "ready_wait_expired", pending });
      });
    this.#pendingPlay = { position, previousPlayState, timer };
    // Playing, but nobody has started: the position does not advance until the play fires.
    this.#playback = { position, playState: "playing", anchorTs: null };
  }

  /** Play for everyone, host included, at one instant far enough ahead for all to start. */
  #firePlay(position: number): void {
    this.#cancelPendingPlay();
    const target = this.#clock.now() + this.#timings.playScheduleMs;
    this.#playback = { position, playState: "playing", anchorTs: target };
    const { id, hostId } = this.#room;
    this.#room.broadcast(build.playerEvent(id, hostId, "play", position, target));
  }

  /** Drops a pending play and its timer; returns the play_state from before it, if any. */
  #cancelPendingPlay(): PlayState | null {
    const pending = this.#pendingPlay;
    if (!pending) return null;
    this.#clock.clearTimer(pending.timer);
    this.#pendingPlay = null;
    return pending.previousPlayState;
  }
}
