/**
 * What the host's and a member's sides of PlaybackSync share, kept pure: the room's timeline
 * as this client knows it, the calls it makes on the player (pause at, seek to, start), what
 * those calls cost (learned) and which player events they cause (the guard), the follow state
 * and what the room was told of this player. It touches no player, timer or clock: every
 * decision is written into a Step (the moment it is made at, read by the caller) as effects,
 * data the facade (client/playback_sync.ts) carries out in order.
 */
import { DriftController, type DriftOptions } from "./core/drift_controller.ts";
import { LatencyLearner } from "./core/latency_learner.ts";
import { type TimelinePoint, timelinePosition } from "./core/timeline.ts";
import type { PlayerEventType } from "./ports.ts";
import type { Readiness } from "../protocol/client_messages.ts";

export type PlayState = "playing" | "paused";
export type PlayerAction = "play" | "pause" | "seek" | "buffering";
export type Role = "host" | "member" | "none";

/** A rate_changed: the timeline runs at `rate` from `targetServerTs`, at `positionAtTarget`. */
export interface RateChange {
  readonly rate: number;
  readonly playState: PlayState;
  readonly targetServerTs: number;
  readonly positionAtTarget: number;
}

export type FollowState =
  /** Not in a room, or no player attached. */
  | "idle"
  /** A command is scheduled and not yet due. */
  | "scheduled"
  /** On the room's timeline (playing or paused with it). */
  | "following"
  /** The user paused or seeked their own player: not followed until they play again. */
  | "held"
  /** The player is stalled, waiting for data. */
  | "buffering"
  /** The browser refused to start playback without a user gesture. */
  | "blocked";

export interface SyncReport {
  readonly drift_ms: number;
  readonly rate: number;
}

/** The player as read at a moment (the facade reads it; the core never calls a player). */
export interface PlayerReading {
  readonly currentTime: number;
  readonly paused: boolean;
  readonly ended: boolean;
  readonly canPlay: boolean;
  readonly rate: number;
}

/** When a decision is made: local ms, the server's time (null before the clock is known). */
export interface Moment {
  readonly nowMs: number;
  readonly serverNow: number | null;
  /** null: no player attached. */
  readonly player: PlayerReading | null;
}

/** Timers of which at most one runs at a time: they are cancelled by name. */
export type SlotTimer = "command" | "driftCheck" | "hostStall" | "movingCheck";
/** What a timer does when it fires (the facade hands it back to whoever asked for it). */
export type TimerCall =
  | { readonly timer: SlotTimer | "stateTick" | "startCheck" | "memberStall" }
  | { readonly timer: "rateChange"; readonly change: RateChange };

/** What the room is told. */
export type Outgoing =
  /** `at`: the server instant the player was at `position`, or "deferred" (see deferPlay). */
  | {
    readonly type: "command";
    readonly action: PlayerAction;
    readonly position: number;
    readonly playState: PlayState;
    readonly at: number | "deferred";
  }
  | {
    readonly type: "state";
    readonly position: number;
    readonly playState: PlayState;
    readonly at: number;
  }
  | { readonly type: "ready"; readonly state: Readiness }
  | { readonly type: "report"; readonly report: SyncReport };

/** Something to do, as data: the facade does it, in the order given. */
export type Effect =
  | { readonly kind: "setRate"; readonly rate: number; readonly keepPitch?: boolean }
  | { readonly kind: "pause" }
  | { readonly kind: "seek"; readonly to: number }
  /** player.play(); its outcome comes back as SyncCore.playStarted or playRefused. */
  | { readonly kind: "play" }
  | { readonly kind: "send"; readonly message: Outgoing }
  /** The status changed: the page hears it (PlaybackSyncContext.onStatus). */
  | { readonly kind: "status" }
  | ({ readonly kind: "schedule"; readonly delayMs: number } & TimerCall)
  | { readonly kind: "cancel"; readonly timer: SlotTimer }
  /** A timer's work that is due already: done now, on a fresh reading of the player. */
  | { readonly kind: "fire"; readonly timer: SlotTimer };

/**
 * One decision in the making: its moment, and the effects it comes to. The player's reading
 * follows the effects written so far (a pause stops it, a seek lands where asked, a start
 * starts it, a rate is set), so what is decided after a call sees the player as the call left
 * it; whatever must see the player for real again ends the step (a "fire" effect, or a
 * second step in the facade).
 */
export class Step implements Moment {
  readonly effects: Effect[] = [];
  readonly nowMs: number;
  readonly serverNow: number | null;
  readonly player: { -readonly [K in keyof PlayerReading]: PlayerReading[K] } | null;

  constructor(moment: Moment) {
    this.nowMs = moment.nowMs;
    this.serverNow = moment.serverNow;
    this.player = moment.player ? { ...moment.player } : null;
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
    const player = this.player;
    if (!player) return;
    if (effect.kind === "pause") player.paused = true;
    else if (effect.kind === "play") player.paused = false;
    else if (effect.kind === "seek") player.currentTime = effect.to;
    else if (effect.kind === "setRate") player.rate = effect.rate;
  }
}

/** Latencies assumed before the first measurement when the player says nothing of its own. */
const INITIAL_START_LATENCY_MS = 30;
const INITIAL_SEEK_LATENCY_MS = 60;
/**
 * A seek while paused, until the player says "seeked": first guess. It costs less than one
 * while playing, whose media runs again only after a start-up (Chromium: 20–70 ms, median 42
 * in the sync benchmark, against 85–200).
 */
const INITIAL_PAUSED_SEEK_LATENCY_MS = 60;
/**
 * A seek is measured this long after it, once the player has settled; a start sooner, before
 * the drift controller's first trim (its startSettleMs), which would hide what the start cost.
 */
const SEEK_MEASURE_AFTER_MS = 300;
export const START_MEASURE_AFTER_MS = 200;
/** Positions closer than this are the same frame for all practical purposes. */
export const SAME_POSITION_S = 0.01;
/**
 * A member that commanded the room ignores state updates this long, or until its command comes
 * back: the host's updates until then still describe the room before the command.
 */
export const OWN_COMMAND_WINDOW_MS = 3_000;

/** Player calls of ours whose events are still to come. */
interface Guard {
  play: number;
  pause: number;
  seek: number;
}

export interface SyncCoreOptions {
  readonly drift?: Partial<DriftOptions>;
  /** How often a member checks its drift while playing. */
  readonly driftCheckMs?: number;
}

/**
 * The state both roles share, open to the host's and the member's parts (HostReporter,
 * MemberFollower), which read and set it as the decisions they make require, and the calls
 * on the player that both make.
 */
export class SyncCore {
  readonly drift: DriftController;
  readonly driftCheckMs: number;
  /** Start-up and seek latencies: a first guess (the player's typical ones), then measured. */
  startLatency = new LatencyLearner(INITIAL_START_LATENCY_MS);
  seekLatency = new LatencyLearner(INITIAL_SEEK_LATENCY_MS);
  pausedSeekLatency = new LatencyLearner(INITIAL_PAUSED_SEEK_LATENCY_MS);

  role: Role = "none";
  /** The room's timeline as this client knows it (null: no room, or not known yet). */
  anchor: TimelinePoint | null = null;
  /** The room's playback rate: the timeline's speed, and every player's base rate. */
  roomRate = 1;
  /** A rate change announced and not yet due: points from its target on run at its rate. */
  nextRate: { rate: number; fromServerTs: number } | null = null;
  follow: FollowState = "idle";
  /** Timeline − player (s, positive = behind), last measured. */
  lastDriftS: number | null = null;
  /** What the room was last told of this player (null: nothing yet, so "loading"). */
  readiness: Readiness | null = null;
  /** This member may control playback (co-host, or a room where everyone may). */
  canControl = false;
  /** The last play state the room was told by this client (host, or a member who controls). */
  told: PlayState = "paused";
  /** Local ms until which state updates are ignored: a command of ours is on its way. */
  ownCommandUntil = Number.NEGATIVE_INFINITY;
  /** Local ms of the last "playing" or "seeked" of our own (the media runs a little later). */
  ownSettledAt = Number.NEGATIVE_INFINITY;
  readonly #guard: Guard = { play: 0, pause: 0, seek: 0 };
  /** The player's first start is still to come, and it says nothing of the later ones. */
  #coldStart = false;
  /** When our one pending seek of a paused player began (its "seeked" measures it). */
  #pausedSeekFrom: number | null = null;
  /** A start or seek of ours to measure once it settles. */
  #measure: { kind: "start" | "seek"; atMs: number; assumedMs: number } | null = null;
  #driftLoopScheduled = false;

  constructor(options: SyncCoreOptions = {}) {
    this.drift = new DriftController(options.drift);
    this.driftCheckMs = options.driftCheckMs ?? 250;
  }

  /** This client's user commands the room: a host, or a member the room lets control. */
  controls(): boolean {
    return this.role === "host" || (this.role === "member" && this.canControl);
  }

  /** A player was attached: until this client has measured its own, its typical latencies. */
  adoptTypicalLatencies(typical: { readonly start: number; readonly seek: number }): void {
    if (this.startLatency.measurements === 0) {
      this.startLatency = new LatencyLearner(typical.start);
      // A player's first start opens its audio output and is slower than the rest (Chromium:
      // 80–250 ms against about 80): taken as the first measurement, it made the next starts
      // up to 100 ms early. With a typical latency to go on, it is not learned from.
      this.#coldStart = true;
    }
    if (this.seekLatency.measurements === 0) {
      this.seekLatency = new LatencyLearner(typical.seek);
    }
  }

  /** Entered a room, or its state was sent again (`sameRoom`): see PlaybackSync.enterRoom. */
  enterRoom(isHost: boolean, point: TimelinePoint, sameRoom: boolean): void {
    this.role = isHost ? "host" : "member";
    this.anchor = point;
    this.roomRate = point.rate;
    this.nextRate = null;
    // The same room keeps what it was told of this player; a new room knows nothing yet. A
    // host tells only the end of the media, which the room keeps until it hears otherwise.
    if (!sameRoom || (isHost && this.readiness !== "ended")) this.readiness = null;
    this.ownCommandUntil = Number.NEGATIVE_INFINITY;
  }

  /** The room plays new media from `point`: this player is loading it (see mediaChanged). */
  newMedia(point: TimelinePoint): void {
    this.readiness = null;
    this.anchor = point;
  }

  /** Out of the room: the player back at rate 1 (the facade clears the timers first). */
  leaveRoom(step: Step): void {
    this.role = "none";
    this.anchor = null;
    this.roomRate = 1;
    this.nextRate = null;
    this.canControl = false;
    this.readiness = null;
    if (step.player) step.emit({ kind: "setRate", rate: 1 });
    this.setFollow(step, "idle");
  }

  /** A room, a role or a player arrived: none of our calls' events is awaited any more. */
  forgetCalls(): void {
    for (const key of ["play", "pause", "seek"] as const) this.#guard[key] = 0;
    this.drift.reset();
  }

  /** The facade cleared every timer. */
  timersCleared(): void {
    this.#driftLoopScheduled = false;
  }

  // --- the timeline ---

  /** The room's rate at server instant `serverTs`, with a change announced for later. */
  rateAt(serverTs: number): number {
    const next = this.nextRate;
    return next && serverTs >= next.fromServerTs ? next.rate : this.roomRate;
  }

  /** Where the room's timeline is at the moment (or `aheadMs` after it). */
  expected(moment: Moment, aheadMs = 0): number | null {
    if (moment.serverNow === null || !this.anchor) return null;
    return timelinePosition(this.anchor, moment.serverNow + aheadMs);
  }

  /** Local ms from the moment until the server instant `serverTs`. */
  delayUntil(moment: Moment, serverTs: number): number {
    return moment.serverNow === null ? 0 : serverTs - moment.serverNow;
  }

  // --- calls on the player ---

  /** Starts the player (ahead by nothing: the caller has prepared it) and the drift loop. */
  startAt(step: Step): void {
    step.emit({ kind: "setRate", rate: this.roomRate });
    this.#guard.play++;
    // A start that waits for a seek of ours costs the seek too: it says nothing of the
    // start-up latency, and learned as one it would make the next starts early.
    this.#measure = this.#guard.seek > 0 ? null : {
      kind: "start",
      atMs: step.nowMs,
      assumedMs: this.startLatency.estimateMs,
    };
    this.drift.started(step.nowMs);
    step.emit({ kind: "play" });
    this.startDriftLoop(step);
  }

  /** The player's play() resolved. */
  playStarted(step: Step): void {
    if (this.readiness === "autoplay_blocked") this.setReadiness(step, "ready");
  }

  /** The player's play() was refused (`errorName`: the error's name, if it had one). */
  playRefused(step: Step, errorName: unknown): void {
    this.#guard.play = Math.max(0, this.#guard.play - 1);
    this.#measure = null;
    // Only the autoplay policy's refusal asks for a click. A player without a working
    // source (media_error) refuses too, and a start we stopped ourselves aborts: neither
    // is the user's to fix with a click.
    if (errorName !== "NotAllowedError") return;
    // Autoplay refused: the page asks the user for a click, which calls resync().
    this.setFollow(step, "blocked");
    this.setReadiness(step, "autoplay_blocked");
  }

  pauseAt(step: Step, position: number): void {
    step.emit({ kind: "setRate", rate: this.roomRate });
    if (!step.player!.paused) {
      this.#guard.pause++;
      step.emit({ kind: "pause" });
    }
    this.seekTo(step, position);
    this.stopDriftLoop(step);
  }

  seekWhilePlaying(step: Step, expected: number): void {
    this.#measure = {
      kind: "seek",
      atMs: step.nowMs,
      assumedMs: this.seekLatency.estimateMs,
    };
    this.seekTo(step, expected + this.seekLatency.estimateMs / 1000);
    this.drift.seeked(step.nowMs);
  }

  seekTo(step: Step, position: number): void {
    const player = step.player!;
    if (Math.abs(player.currentTime - position) <= SAME_POSITION_S / 2) return;
    // Only a lone seek of a paused player is measured: with two, which "seeked" is whose?
    this.#pausedSeekFrom = player.paused && this.#guard.seek === 0 ? step.nowMs : null;
    this.#guard.seek++;
    step.emit({ kind: "seek", to: Math.max(0, position) });
  }

  /** The drift loop: one check every driftCheckMs while the room plays (MemberFollower). */
  startDriftLoop(step: Step): void {
    this.stopDriftLoop(step);
    this.#driftLoopScheduled = true;
    step.emit({ kind: "schedule", timer: "driftCheck", delayMs: this.driftCheckMs });
  }

  /** The drift check's timer fired. */
  driftLoopFired(): void {
    this.#driftLoopScheduled = false;
  }

  /** After a check that found something to follow: the next one, a driftCheckMs later. */
  continueDriftLoop(step: Step): void {
    this.#driftLoopScheduled = true;
    step.emit({ kind: "schedule", timer: "driftCheck", delayMs: this.driftCheckMs });
  }

  stopDriftLoop(step: Step): void {
    if (!this.#driftLoopScheduled) return;
    this.#driftLoopScheduled = false;
    step.emit({ kind: "cancel", timer: "driftCheck" });
  }

  /** A start or seek of ours has settled: what it really cost tunes the next one. */
  learn(driftS: number, nowMs: number): void {
    const measure = this.#measure;
    const after = measure?.kind === "start" ? START_MEASURE_AFTER_MS : SEEK_MEASURE_AFTER_MS;
    if (!measure || nowMs - measure.atMs < after) return;
    this.#measure = null;
    if (measure.kind === "start" && this.#coldStart) {
      this.#coldStart = false;
      return;
    }
    // Behind by d after assuming a latency L means the latency was L + d.
    const learner = measure.kind === "start" ? this.startLatency : this.seekLatency;
    learner.add(measure.assumedMs + driftS * 1000);
  }

  // --- the player's events ---

  /** Consumes the guard for an event our own call caused: true when it was ours. */
  ours(event: PlayerEventType): boolean {
    const take = (key: keyof Guard) => {
      if (this.#guard[key] === 0) return false;
      this.#guard[key]--;
      return true;
    };
    switch (event) {
      case "play":
        // "play" precedes "playing": keep the count for the "playing" that follows.
        return this.#guard.play > 0;
      case "playing":
        return take("play");
      case "pause":
        return take("pause");
      case "seeking":
        return this.#guard.seek > 0;
      case "seeked":
        return take("seek");
      default:
        return false;
    }
  }

  /** A start or seek of ours is still under way (its event has not come). */
  callsUnderWay(): boolean {
    return this.#guard.play > 0 || this.#guard.seek > 0;
  }

  /** An event our own call caused (`ours` said so): what it tells of the player. */
  ownEvent(step: Step, event: PlayerEventType): void {
    if (event === "seeked" || event === "playing") {
      this.drift.seeked(step.nowMs);
      this.ownSettledAt = step.nowMs;
    }
    if (event === "seeked" && this.#pausedSeekFrom !== null) {
      if (this.#guard.seek === 0 && step.player?.paused) {
        this.pausedSeekLatency.add(step.nowMs - this.#pausedSeekFrom);
      }
      this.#pausedSeekFrom = null;
    }
    // A browser says "waiting" while our own start or seek fetches data, and the "playing"
    // that ends it is ours: the player moves again, so the stall is over.
    if (event === "playing" && this.follow === "buffering") this.stallEnded(step);
  }

  /**
   * The room hears when this player reaches the end of the media (whoever moved it there) and
   * when it leaves the end (a seek back, a replay): the queue moves on once every player ended.
   */
  trackEnd(step: Step, event: PlayerEventType): void {
    if (this.role === "none") return;
    if (event === "ended") return this.setReadiness(step, "ended");
    if (this.readiness !== "ended" || step.player?.ended) return;
    if (event === "seeked" || event === "playing") this.setReadiness(step, "ready");
  }

  stallEnded(step: Step): void {
    this.setFollow(step, "following");
    if (this.readiness === "buffering") this.setReadiness(step, "ready");
  }

  // --- what the room and the page hear ---

  /** The first time a member's player can play, the room hears it is ready. */
  maybeReady(step: Step): void {
    if (this.readiness !== null || !step.player?.canPlay) return;
    this.setReadiness(step, "ready");
  }

  /**
   * The player could not load the room's media (`true`: the room is told `media_error` and no
   * play waits for it), or loads it again (`false`, a retry: `loading`, then ready as usual).
   */
  mediaFailed(step: Step, failed: boolean): void {
    if (failed) return this.setReadiness(step, "media_error");
    if (this.readiness !== "media_error") return;
    this.setReadiness(step, "loading");
    this.readiness = null; // the next "canplay" says ready
  }

  setReadiness(step: Step, state: Readiness): void {
    if (this.role === "none" || this.readiness === state) return;
    // The host is the room's reference, ready from the start; it tells only the end of the
    // media, and leaving it.
    if (this.role === "host" && state !== "ended" && this.readiness !== "ended") return;
    this.readiness = state;
    step.emit({ kind: "send", message: { type: "ready", state } });
  }

  setFollow(step: Step, follow: FollowState): void {
    if (this.follow === follow) return;
    this.follow = follow;
    step.emit({ kind: "status" });
  }
}
