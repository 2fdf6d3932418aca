/**
 * The host's side of PlaybackSync: what its user does with the player, told to the room. The
 * player is the reference. A play from paused is held: the player stops where it is, the room
 * hears a deferred play from there, and its relayed play starts this player with everyone at
 * one target instant (no member starts ahead of it; `startWithRoom: false` starts at once
 * instead). Pause and seek act the moment the user does and are told as a point of the
 * timeline (`position` at `at_server_ts`, read together); a state update every second. A stall
 * is reported as `buffering`, and the restart as a play. A host that comes back into a room
 * under way catches up with it first, and a host's start with the room is learned from.
 *
 * A member the room lets control playback (co-host, or everyone) tells its user's play, pause
 * and seek here too, as a host does (docs/protocol.md 5.11). Pure, as SyncCore: decisions are
 * written into a Step as effects.
 */
import type { PlayerEventType } from "./ports.ts";
import type { MemberFollower } from "./member_follower.ts";
import {
  OWN_COMMAND_WINDOW_MS,
  type PlayerAction,
  type PlayState,
  SAME_POSITION_S,
  type Step,
  type SyncCore,
} from "./sync_core.ts";

/**
 * How often to look whether a started or seeked player's media runs; how long it must then
 * have advanced with real time (each look within the step tolerance, the whole run within the
 * run tolerance) to count as running; and how long to wait at most.
 */
const MOVE_POLL_MS = 10;
const MOVE_WINDOW_MS = 50;
const MOVE_STEP_TOLERANCE = 0.5;
const MOVE_RUN_TOLERANCE = 0.1;
const MOVE_WAIT_MAX_MS = 1_000;
/**
 * How long after a "playing" or "seeked" of its own call a host's position is taken as true
 * again: Chromium's media clock runs 65–95 ms after either event (see #tellWhenMoving).
 */
const OWN_CALL_SETTLE_MS = 150;
/** A seek under way when the user pressed play ends within this (Chromium: 20–400 ms). */
const PRESS_SEEK_WINDOW_MS = 1_000;

export interface HostReporterOptions {
  /** How often a host sends its state. */
  readonly stateIntervalMs?: number;
  /** How long a host's stall lasts before the room is told. */
  readonly stallReportMs?: number;
  /**
   * The user's play starts this player with everyone's, at the room's target (default); false:
   * it starts at once and the room follows it (members then start a schedule ahead of it).
   */
  readonly startWithRoom?: boolean;
}

/** A reading of the media: at local `at` ms it was at `position`. */
interface MediaReading {
  readonly at: number;
  readonly position: number;
}

/** A play or seek to tell once the media moves (see #tellWhenMoving). */
interface MovingWatch {
  readonly action: "play" | "seek";
  readonly since: number;
  /** The last reading, and the first of the current run of readings that advance. */
  last: MediaReading;
  runFrom: MediaReading;
}

export class HostReporter {
  readonly #core: SyncCore;
  readonly #follower: MemberFollower;
  readonly #stateIntervalMs: number;
  readonly #stallReportMs: number;
  readonly #startWithRoom: boolean;
  /** Its player is still to be brought to the room's timeline (see PlaybackSync.enterRoom). */
  catchesUp = false;
  /**
   * The user pressed play: the player was stopped at this position and waits for the room's
   * play (its echo), to start with everyone at its target instead of ahead of them.
   */
  #awaitingPlay: { readonly position: number } | null = null;
  /**
   * The user's seek still under way when they pressed play (its "seeked" lands where the held
   * play waits, maybe after the room's play came back): part of that press, not a command.
   */
  #pressSeek: { readonly position: number; readonly untilMs: number } | null = null;
  /** Whether a stall was reported, and whether one is timed to be. */
  #stallReported = false;
  #stallScheduled = false;
  /** A play or seek to tell once the media moves (its check is scheduled while set). */
  #watch: MovingWatch | null = null;

  constructor(core: SyncCore, follower: MemberFollower, options: HostReporterOptions = {}) {
    this.#core = core;
    this.#follower = follower;
    this.#stateIntervalMs = options.stateIntervalMs ?? 1_000;
    this.#stallReportMs = options.stallReportMs ?? 400;
    this.#startWithRoom = options.startWithRoom ?? true;
  }

  /** The user's play is held for the room's. */
  get awaitingPlay(): boolean {
    return this.#awaitingPlay !== null;
  }

  /** A command came from the room: whether it found the user's play held (no longer). */
  takeAwaitedPlay(): boolean {
    const awaited = this.#awaitingPlay !== null;
    this.#awaitingPlay = null;
    return awaited;
  }

  /** A room, a role or a player arrived: no press of the user's is pending any more. */
  forgetPress(): void {
    this.#awaitingPlay = null;
    this.#pressSeek = null;
  }

  /** The facade cleared every timer. */
  timersCleared(): void {
    this.#stallScheduled = false;
    this.#watch = null;
  }

  /** Entered a room as host, or the player arrived (then PlaybackSync sends the first state). */
  enter(step: Step): void {
    const core = this.#core;
    const player = step.player!;
    // The reference runs at the room's rate exactly: a member that becomes host may have
    // been correcting its drift with another.
    step.emit({ kind: "setRate", rate: core.roomRate });
    core.setFollow(step, "following");
    step.emit({ kind: "status" });
    core.told = core.anchor?.playing ? "playing" : "paused";
    if (this.catchesUp) {
      this.catchesUp = false;
      this.catchUp(step);
    } else if (!player.paused && core.told === "paused") {
      // A host whose player already plays when the room starts: the room must hear it.
      this.hostEvent(step, "playing");
    }
  }

  /** A reloaded host whose catch-up play the browser refused: the user's click allows it. */
  unblock(step: Step): void {
    this.#core.setFollow(step, "following");
    this.catchUp(step);
  }

  /** The periodic state update (sent now if it means something), and the next one. */
  stateTickDue(step: Step): void {
    const core = this.#core;
    const player = step.player;
    if (!player || core.role !== "host") return;
    const at = step.serverNow;
    const playState: PlayState = player.paused ? "paused" : "playing";
    // Not while a start or seek has the media standing still (its position would be stale),
    // nor while another's command is about to change it, nor before the room has been told
    // the play state (between the user's play() and "playing", the media is not running: the
    // room relays a new play state at once, and members would start on a standing position).
    if (
      at !== null && !this.#stallReported && this.#watch === null &&
      !this.#follower.commandScheduled && playState === core.told &&
      this.#ownCallsSettled(step.nowMs)
    ) {
      const message = { type: "state", position: player.currentTime, playState, at } as const;
      step.emit({ kind: "send", message });
    }
    step.emit({ kind: "schedule", timer: "stateTick", delayMs: this.#stateIntervalMs });
  }

  /**
   * No start or seek of ours is under way: its events have come, and the media has had the
   * time to run from them (Chromium's runs 65–95 ms after "playing" or "seeked").
   */
  #ownCallsSettled(nowMs: number): boolean {
    return !this.#core.callsUnderWay() &&
      nowMs - this.#core.ownSettledAt >= OWN_CALL_SETTLE_MS;
  }

  /**
   * A host come back into a room under way: its player takes the room's timeline (paused at
   * its position, or started where it will be), quietly: these are our own calls, not
   * commands, and the room hears the host's position again once they have settled.
   */
  catchUp(step: Step): void {
    const core = this.#core;
    const player = step.player;
    const anchor = core.anchor;
    if (!player || !anchor) return;
    core.told = anchor.playing ? "playing" : "paused";
    if (!anchor.playing) {
      core.pauseAt(step, anchor.position);
      return;
    }
    const expected = core.expected(step);
    if (expected === null) return;
    if (player.paused) {
      core.seekTo(step, expected + core.startLatency.estimateMs / 1000);
      core.startAt(step);
    } else if (Math.abs(expected - player.currentTime) > SAME_POSITION_S) {
      core.seekWhilePlaying(step, expected);
    }
  }

  /** A host's start with the room, once settled: how far behind the room's point it began. */
  startCheckDue(step: Step): void {
    const core = this.#core;
    const player = step.player;
    if (!player || player.paused || core.role !== "host") return;
    const expected = core.expected(step);
    if (expected !== null) core.learn(expected - player.currentTime, step.nowMs);
  }

  /** Tells the room: the player's position and the server instant, read together. */
  #tell(step: Step, action: PlayerAction, playState: PlayState): void {
    const at = step.serverNow;
    if (at === null || !step.player) return;
    const position = step.player.currentTime;
    this.#core.told = playState;
    step.emit({ kind: "send", message: { type: "command", action, position, playState, at } });
    if (this.#core.role === "member") {
      this.#followOwn(step, position, playState === "playing", at);
    }
  }

  /**
   * A member that commanded: the room's timeline is its own point from now on (the echo will
   * say so), so the drift loop follows it, and the host's updates until the echo are ignored.
   */
  #followOwn(step: Step, position: number, playing: boolean, serverTs: number): void {
    const core = this.#core;
    core.anchor = { position, serverTs, playing, rate: core.roomRate };
    core.ownCommandUntil = step.nowMs + OWN_COMMAND_WINDOW_MS;
    core.drift.reset();
    core.setFollow(step, "following");
    if (playing) core.startDriftLoop(step);
    else core.stopDriftLoop(step);
  }

  /**
   * A play or a seek while playing, told once the media moves. A browser fires "playing" and
   * "seeked" before its media clock runs. Chromium's currentTime runs for 15–20 ms, stands
   * still for 50–70 ms, and only then runs for good: 65–95 ms after either event (measured by
   * the sync benchmark). The position read at the event is a point the media reaches only
   * later: told then, it put the room's timeline that far ahead of the host, and every member
   * with it. So the host waits until the position has advanced with real time, at the player's
   * rate, for MOVE_WINDOW_MS on end; any reading then is a true point. A pause in the meantime
   * tells the room itself; after MOVE_WAIT_MAX_MS the host tells anyway.
   */
  #tellWhenMoving(step: Step, action: "play" | "seek"): void {
    this.#cancelMovingTell(step);
    const first = { at: step.nowMs, position: step.player!.currentTime };
    this.#watch = { action, since: step.nowMs, last: first, runFrom: first };
    step.emit({ kind: "schedule", timer: "movingCheck", delayMs: MOVE_POLL_MS });
  }

  /** A look whether the media a play or seek is to be told of runs yet. */
  movingCheckDue(step: Step): void {
    const watch = this.#watch;
    this.#watch = null;
    const player = step.player;
    if (!watch || !player || !this.#core.controls() || player.paused) return;
    const advancing = (from: MediaReading, to: MediaReading, tolerance: number) => {
      const elapsedMs = to.at - from.at;
      const movedMs = (to.position - from.position) * 1000;
      return elapsedMs > 0 && movedMs > 0 &&
        Math.abs(movedMs - elapsedMs * player.rate) <= elapsedMs * tolerance;
    };
    const now = { at: step.nowMs, position: player.currentTime };
    if (!advancing(watch.last, now, MOVE_STEP_TOLERANCE)) watch.runFrom = now;
    watch.last = now;
    const running = now.at - watch.runFrom.at >= MOVE_WINDOW_MS &&
      advancing(watch.runFrom, now, MOVE_RUN_TOLERANCE);
    if (running || now.at - watch.since >= MOVE_WAIT_MAX_MS) {
      this.#tell(step, watch.action, "playing");
      return;
    }
    this.#watch = watch;
    step.emit({ kind: "schedule", timer: "movingCheck", delayMs: MOVE_POLL_MS });
  }

  #cancelMovingTell(step: Step): void {
    if (this.#watch === null) return;
    this.#watch = null;
    step.emit({ kind: "cancel", timer: "movingCheck" });
  }

  /** The user's own play, pause or seek, told to the room (a host, or a member who controls). */
  hostEvent(step: Step, event: PlayerEventType): void {
    const core = this.#core;
    const player = step.player!;
    if (event === "playing" || event === "pause" || event === "seeked") {
      this.#follower.dropScheduled(step);
    }
    switch (event) {
      case "playing":
        this.#clearStall(step);
        if (core.follow === "blocked") {
          // The user started a player the browser kept from catching up: from where the room is.
          core.setFollow(step, "following");
          this.catchUp(step);
          return;
        }
        if (core.told !== "playing" || this.#stallReported) this.#tellWhenMoving(step, "play");
        this.#stallReported = false;
        return;
      case "pause":
        this.#clearStall(step);
        this.#cancelMovingTell(step);
        this.#tell(step, "pause", "paused");
        return;
      case "seeked":
        // Paused, the position stands still and is true now; playing, it is once it moves.
        if (player.paused) this.#tell(step, "seek", "paused");
        else this.#tellWhenMoving(step, "seek");
        return;
      case "waiting":
        if (core.role !== "host" || player.paused || this.#stallScheduled) return;
        this.#stallScheduled = true;
        step.emit({ kind: "schedule", timer: "hostStall", delayMs: this.#stallReportMs });
        return;
    }
  }

  /** A host's stall outlasted the threshold: the room hears `buffering`. */
  stallDue(step: Step): void {
    this.#stallScheduled = false;
    const player = step.player;
    if (!player || player.paused || player.canPlay) return;
    this.#stallReported = true;
    this.#tell(step, "buffering", "playing");
  }

  #clearStall(step: Step): void {
    if (!this.#stallScheduled) return;
    this.#stallScheduled = false;
    step.emit({ kind: "cancel", timer: "hostStall" });
  }

  /**
   * Whether the user's play starts the room: a host, or a member who controls, while the room
   * is paused (a stall's restart, a blocked start or a catch-up are not new plays).
   */
  mayDeferPlay(step: Step): boolean {
    const core = this.#core;
    if (!this.#startWithRoom || !core.controls() || !step.player) return false;
    if (step.serverNow === null) return false;
    if (core.follow === "blocked" || core.follow === "buffering") return false;
    return core.role === "host" ? core.told === "paused" : !core.anchor?.playing;
  }

  /**
   * The user pressed play: the player stops where it is and the room hears a deferred play
   * from there; the room's play comes back to every player, this one too, for one instant far
   * enough ahead for all (after whoever is still loading), so everyone starts on the same
   * frame, none ahead of the others. While it waits, the page shows whom the play waits for.
   */
  deferPlay(step: Step): void {
    const core = this.#core;
    this.#follower.dropScheduled(step);
    this.#cancelMovingTell(step);
    this.#clearStall(step);
    const position = step.player!.currentTime;
    core.pauseAt(step, position);
    this.#awaitingPlay = { position };
    this.#pressSeek = { position, untilMs: step.nowMs + PRESS_SEEK_WINDOW_MS };
    core.told = "playing";
    if (core.role === "member") {
      // Until the room's play, the host's updates describe the room before it.
      core.ownCommandUntil = step.nowMs + OWN_COMMAND_WINDOW_MS;
    }
    core.setFollow(step, "scheduled");
    const message = {
      type: "command",
      action: "play",
      position,
      playState: "playing",
      at: "deferred",
    } as const;
    step.emit({ kind: "send", message });
  }

  /** A "seeked" that ends the seek the user's play was pressed on (once, and soon after). */
  isPressSeek(step: Step): boolean {
    const press = this.#pressSeek;
    const player = step.player;
    if (!press || !player) return false;
    this.#pressSeek = null;
    return step.nowMs <= press.untilMs &&
      Math.abs(player.currentTime - press.position) <= SAME_POSITION_S * 5;
  }

  /**
   * Events of a start we hold back that are nobody's command: the browser's own seek to the
   * start of a film played again from its end lands where the play waits.
   */
  awaitedEvent(step: Step, event: PlayerEventType): boolean {
    if (!step.player) return false;
    if (event === "seeking" || event === "play") return true;
    if (event === "seeked" && this.isPressSeek(step)) return true;
    return false;
  }

  /**
   * A member who may control playback: its user's play, pause and seek are the room's, told
   * as a host tells them (once the media moves, for a play or a seek while playing). True when
   * the event was such a command.
   */
  userCommand(step: Step, event: PlayerEventType): boolean {
    const core = this.#core;
    const player = step.player!;
    // A stall ending, or the click that unblocks autoplay, is no command.
    if (event === "playing" && (core.follow === "buffering" || core.follow === "blocked")) {
      return false;
    }
    if (event === "playing" && core.anchor?.playing) return false; // playing with the room
    if (event !== "playing" && event !== "pause" && event !== "seeked") return false;
    this.#follower.dropScheduled(step);
    core.stopDriftLoop(step);
    // Until the room has it, the host's state updates describe the room before it.
    core.ownCommandUntil = step.nowMs + OWN_COMMAND_WINDOW_MS;
    core.setFollow(step, "following");
    if (event === "pause") {
      this.#cancelMovingTell(step);
      this.#tell(step, "pause", "paused");
    } else if (event === "seeked" && player.paused) {
      this.#tell(step, "seek", "paused");
    } else {
      this.#tellWhenMoving(step, event === "seeked" ? "seek" : "play");
    }
    return true;
  }
}
