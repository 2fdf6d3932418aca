/**
 * Puts a room's timeline on a player, or (as host) the player on the room's timeline.
 *
 * Host: the player is the reference. A play from paused is held: the player stops where it
 * is, the room hears a deferred play from there, and its relayed play starts this player
 * with everyone at one target instant (no member starts ahead of it; `startWithRoom: false`
 * starts at once instead). Pause and seek act the moment the user does and are told as a
 * point of the timeline (`position` at `at_server_ts`, read together); a state update every
 * second. A stall is reported as `buffering`, and the restart as a play.
 *
 * Member: every command the room relays is a timeline point for a future server instant
 * (`position_at_target` at `target_server_ts`). The player is prepared on arrival (seeked
 * while paused), started early by its own measured start-up latency so the media moves at
 * the target, and then kept on the timeline by the drift controller (rate within bounds, hard
 * seek beyond). A command that arrives late is extrapolated. A member who pauses or seeks
 * their own player is left alone ("held") until they play again, which brings them back in
 * step; a stall is waited out, not fought.
 *
 * Every player call the client makes is announced to a guard, so the events it causes are
 * never mistaken for the user's (no echo of a remote command back as a new command).
 *
 * Extensions (docs/protocol.md 5.2, 5.11, 5.12): a member tells the room how its player is
 * (loading, ready, buffering, autoplay blocked), so a play can wait for it; a member the room
 * lets control playback (co-host, or everyone) tells the room its user's play, pause and seek
 * as a host does, and a host applies such commands from others as a member would; a rate
 * change switches every player's rate at the same instant, and the timeline runs at it.
 */
import { DriftController, type DriftOptions } from "./core/drift_controller.ts";
import { LatencyLearner } from "./core/latency_learner.ts";
import { type TimelinePoint, timelinePosition } from "./core/timeline.ts";
import type { LocalClock, Player, PlayerEventType } from "./ports.ts";
import type { Readiness } from "../protocol/client_messages.ts";

export type PlayState = "playing" | "paused";
/** How a member's player is, as the room is told (docs/protocol.md 3.5). */
/** `media_error`: the player could not load the room's media (a broken link): not waited for. */
/** `ended`: the player reached the end of the media (it counts as ready; the queue moves on). */
export type { Readiness };
export type PlayerAction = "play" | "pause" | "seek" | "buffering";

/** A command as relayed by the room. */
export interface RoomCommand {
  readonly action: PlayerAction;
  readonly playState: PlayState;
  readonly targetServerTs: number;
  readonly positionAtTarget: number;
  /** This client sent it (the room echoes commands to their sender under shared control). */
  readonly own?: boolean;
}

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

export interface SyncStatus {
  readonly role: "host" | "member" | "none";
  readonly follow: FollowState;
  /** Timeline − player (ms, positive = behind), last measured; null when not measured. */
  readonly driftMs: number | null;
  readonly rate: number;
  readonly startLatencyMs: number;
}

export interface SyncReport {
  readonly drift_ms: number;
  readonly rate: number;
}

export interface PlaybackSyncContext {
  readonly clock: LocalClock;
  /** The server's time now (null before the clock is known). */
  serverNow(): number | null;
  /**
   * As host: a player_event for the room. `at`: the server instant the player was at
   * `position`, or "deferred": the player waits at `position` for the room's own play.
   */
  sendCommand(
    action: PlayerAction,
    position: number,
    playState: PlayState,
    at: number | "deferred",
  ): void;
  /** As host: the periodic state update. */
  sendState(position: number, playState: PlayState, at: number): void;
  /** As member: how the player is (`ready`: it can play the room's media). */
  sendReady(state: Readiness): void;
  /** As member: how well it follows (every few seconds while playing). */
  sendReport(report: SyncReport): void;
  onStatus(status: SyncStatus): void;
}

export interface PlaybackSyncOptions {
  readonly drift?: Partial<DriftOptions>;
  /** How often a member checks its drift while playing. */
  readonly driftCheckMs?: number;
  /** How often a host sends its state. */
  readonly stateIntervalMs?: number;
  /** How long a host's stall lasts before the room is told. */
  readonly stallReportMs?: number;
  /** How often a member reports its drift. */
  readonly reportIntervalMs?: number;
  /**
   * The user's play starts this player with everyone's, at the room's target (default); false:
   * it starts at once and the room follows it (members then start a schedule ahead of it).
   */
  readonly startWithRoom?: boolean;
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
/** A seek while playing is prepared ahead when there is this much time beyond what it costs. */
const SEEK_PREPARE_MARGIN_MS = 30;
/**
 * A seek is measured this long after it, once the player has settled; a start sooner, before
 * the drift controller's first trim (its startSettleMs), which would hide what the start cost.
 */
const SEEK_MEASURE_AFTER_MS = 300;
const START_MEASURE_AFTER_MS = 200;
/**
 * Host: how often to look whether a started or seeked player's media runs; how long it must
 * then have advanced with real time (each look within the step tolerance, the whole run within
 * the run tolerance) to count as running; and how long to wait at most.
 */
const MOVE_POLL_MS = 10;
const MOVE_WINDOW_MS = 50;
const MOVE_STEP_TOLERANCE = 0.5;
const MOVE_RUN_TOLERANCE = 0.1;
const MOVE_WAIT_MAX_MS = 1_000;
/** Positions closer than this are the same frame for all practical purposes. */
const SAME_POSITION_S = 0.01;
/**
 * A member that commanded the room ignores state updates this long, or until its command comes
 * back: the host's updates until then still describe the room before the command.
 */
const OWN_COMMAND_WINDOW_MS = 3_000;
/**
 * How long after a "playing" or "seeked" of its own call a host's position is taken as true
 * again: Chromium's media clock runs 65–95 ms after either event (see #tellWhenMoving).
 */
const OWN_CALL_SETTLE_MS = 150;
/** A seek under way when the user pressed play ends within this (Chromium: 20–400 ms). */
const PRESS_SEEK_WINDOW_MS = 1_000;

interface Guard {
  play: number;
  pause: number;
  seek: number;
}

export class PlaybackSync {
  readonly #ctx: PlaybackSyncContext;
  readonly #drift: DriftController;
  readonly #driftCheckMs: number;
  readonly #stateIntervalMs: number;
  readonly #stallReportMs: number;
  readonly #reportIntervalMs: number;
  readonly #startWithRoom: boolean;
  /** Start-up and seek latencies: a first guess (the player's typical ones), then measured. */
  startLatency = new LatencyLearner(INITIAL_START_LATENCY_MS);
  seekLatency = new LatencyLearner(INITIAL_SEEK_LATENCY_MS);
  pausedSeekLatency = new LatencyLearner(INITIAL_PAUSED_SEEK_LATENCY_MS);

  #player: Player | null = null;
  #unsubscribe: (() => void) | null = null;
  #role: "host" | "member" | "none" = "none";
  /** The room's timeline as this member knows it (null: no room, or not known yet). */
  #anchor: TimelinePoint | null = null;
  #follow: FollowState = "idle";
  #lastDriftS: number | null = null;
  /** Player calls of ours whose events are still to come. */
  readonly #guard: Guard = { play: 0, pause: 0, seek: 0 };
  /** The player's first start is still to come, and it says nothing of the later ones. */
  #coldStart = false;
  /** When our one pending seek of a paused player began (its "seeked" measures it). */
  #pausedSeekFrom: number | null = null;
  /** A start or seek of ours to measure once it settles. */
  #measure: { kind: "start" | "seek"; atMs: number; assumedMs: number } | null = null;
  /** What the room was last told of this member's player (null: nothing yet, so "loading"). */
  #readiness: Readiness | null = null;
  /** The room's playback rate: the timeline's speed, and every player's base rate. */
  #roomRate = 1;
  /** A rate change announced and not yet due: points from its target on run at its rate. */
  #nextRate: { rate: number; fromServerTs: number } | null = null;
  /** This member may control playback (co-host, or a room where everyone may). */
  #canControl = false;
  /** Local ms until which state updates are ignored: a command of ours is on its way. */
  #ownCommandUntil = Number.NEGATIVE_INFINITY;
  #timers = new Set<number>();
  #commandTimer: number | null = null;
  #loopTimer: number | null = null;
  #stallTimer: number | null = null;
  /** Host: the last play state the room was told, and whether a stall was reported. */
  #hostTold: PlayState = "paused";
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
  #stallReported = false;
  /** Host: a play or seek to tell once the media moves (#tellWhenMoving). */
  #movingTell: number | null = null;
  #lastReportMs = Number.NEGATIVE_INFINITY;
  /** Host: its player is still to be brought to the room's timeline (see enterRoom). */
  #hostCatchesUp = false;
  /** Local ms of the last "playing" or "seeked" of our own (the media runs a little later). */
  #ownSettledAt = Number.NEGATIVE_INFINITY;

  constructor(ctx: PlaybackSyncContext, options: PlaybackSyncOptions = {}) {
    this.#ctx = ctx;
    this.#drift = new DriftController(options.drift);
    this.#driftCheckMs = options.driftCheckMs ?? 250;
    this.#stateIntervalMs = options.stateIntervalMs ?? 1_000;
    this.#stallReportMs = options.stallReportMs ?? 400;
    this.#reportIntervalMs = options.reportIntervalMs ?? 5_000;
    this.#startWithRoom = options.startWithRoom ?? true;
  }

  get status(): SyncStatus {
    return {
      role: this.#role,
      follow: this.#follow,
      driftMs: this.#lastDriftS === null ? null : Math.round(this.#lastDriftS * 1000),
      rate: this.#player?.rate ?? this.#roomRate,
      startLatencyMs: Math.round(this.startLatency.estimateMs),
    };
  }

  /** The player to synchronise (a page may attach it after joining, once the media loads). */
  attach(player: Player): void {
    this.detach();
    this.#player = player;
    // Until this client has measured its own, the player's typical latencies are the guess.
    const typical = player.typicalLatencyMs;
    if (typical && this.startLatency.measurements === 0) {
      this.startLatency = new LatencyLearner(typical.start);
      // A player's first start opens its audio output and is slower than the rest (Chromium:
      // 80–250 ms against about 80): taken as the first measurement, it made the next starts
      // up to 100 ms early. With a typical latency to go on, it is not learned from.
      this.#coldStart = true;
    }
    if (typical && this.seekLatency.measurements === 0) {
      this.seekLatency = new LatencyLearner(typical.seek);
    }
    this.#unsubscribe = player.on((event) => this.#onPlayerEvent(event));
    this.#restart();
  }

  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#player = null;
    this.#clearTimers();
    this.#setFollow("idle");
  }

  /**
   * Entered a room, or (`sameRoom`) its state was sent again (a resume, a setting or the host
   * changed): `point` is the room's timeline now. `roomLeads`: a host that comes into a room
   * already under way (its page reloaded) takes the room's timeline, as a member would, rather
   * than giving the room its fresh player's 0:00; a host that created the room gives it.
   */
  enterRoom(isHost: boolean, point: TimelinePoint, sameRoom = false, roomLeads = false): void {
    this.#role = isHost ? "host" : "member";
    this.#hostCatchesUp = isHost && roomLeads;
    this.#anchor = point;
    this.#roomRate = point.rate;
    this.#nextRate = null;
    // The same room keeps what it was told of this player; a new room knows nothing yet. A
    // host tells only the end of the media, which the room keeps until it hears otherwise.
    if (!sameRoom || (isHost && this.#readiness !== "ended")) this.#readiness = null;
    this.#ownCommandUntil = Number.NEGATIVE_INFINITY;
    this.#restart();
  }

  /**
   * The room plays new media (set_media, the queue) from `point`: the page loads it, and this
   * player is ready again only once it can play that (the room set it back to loading). A
   * command of the media before, still to be carried out, is dropped.
   */
  mediaChanged(point: TimelinePoint): void {
    this.#readiness = null;
    this.#anchor = point;
    this.#dropScheduled();
  }

  /**
   * The player could not load the room's media (`true`: the room is told `media_error` and no
   * play waits for it), or loads it again (`false`, a retry: `loading`, then ready as usual).
   */
  mediaFailed(failed: boolean): void {
    if (failed) return this.#setReadiness("media_error");
    if (this.#readiness !== "media_error") return;
    this.#setReadiness("loading");
    this.#readiness = null; // the next "canplay" says ready
  }

  /** Whether this member may control playback (a host always does). */
  setControl(canControl: boolean): void {
    this.#canControl = canControl;
  }

  leaveRoom(): void {
    this.#role = "none";
    this.#anchor = null;
    this.#roomRate = 1;
    this.#nextRate = null;
    this.#canControl = false;
    this.#readiness = null;
    this.#clearTimers();
    this.#player?.setRate(1);
    this.#setFollow("idle");
  }

  /**
   * A relayed player_event. A host acted already on its own (its play comes back to it), and
   * a member that commanded acted too: for it, the echo only confirms the timeline. A host
   * applies the commands of others (co-hosts, or everyone) as a member would.
   */
  command(command: RoomCommand): void {
    if (this.#role === "none") return;
    const point: TimelinePoint = {
      position: command.positionAtTarget,
      serverTs: command.targetServerTs,
      playing: command.playState === "playing" && command.action !== "buffering",
      rate: this.#rateAt(command.targetServerTs),
    };
    const awaited = this.#awaitingPlay;
    this.#awaitingPlay = null;
    if (command.own) {
      // The room's play of the start we held: this player starts with everyone.
      if (awaited && command.action === "play") {
        this.#ownCommandUntil = Number.NEGATIVE_INFINITY;
        this.#schedule(point, "play");
        return;
      }
      if (this.#role === "member") this.#adoptOwn(point);
      return;
    }
    this.#schedule(point, command.action);
  }

  /** A relayed state_update: the host's position at `serverTs`. */
  stateUpdate(position: number, playState: PlayState, serverTs: number): void {
    if (this.#role !== "member" || this.#commandTimer !== null) return;
    if (this.#ctx.clock.now() < this.#ownCommandUntil) return;
    this.#anchor = {
      position,
      serverTs,
      playing: playState === "playing",
      rate: this.#rateAt(serverTs),
    };
    if (this.#follow === "held" || this.#follow === "blocked") return;
    this.#converge();
  }

  /**
   * A rate_changed: at its target every player (the host's and the sender's too) switches to
   * the new rate, and the timeline runs at it from the point it names.
   */
  rateChanged(change: RateChange): void {
    if (this.#role === "none") return;
    const point: TimelinePoint = {
      position: change.positionAtTarget,
      serverTs: change.targetServerTs,
      playing: change.playState === "playing",
      rate: change.rate,
    };
    this.#nextRate = { rate: change.rate, fromServerTs: change.targetServerTs };
    const apply = () => {
      this.#roomRate = change.rate;
      if (this.#nextRate?.fromServerTs === change.targetServerTs) this.#nextRate = null;
      // A command scheduled meanwhile has its own point, at the rate of its target.
      if (this.#commandTimer === null) this.#anchor = point;
      this.#drift.reset();
      this.#player?.setRate(change.rate);
      this.#emitStatus();
    };
    const wait = this.#localDelayUntil(change.targetServerTs);
    if (wait <= 0) apply();
    else this.#later(apply, wait);
  }

  /** The user asks to be back in step (after holding, or to unblock autoplay). */
  resync(): void {
    if (this.#role === "host" && this.#follow === "blocked") {
      // A reloaded host whose catch-up play the browser refused: the click allows it.
      this.#setFollow("following");
      this.#hostCatchUp();
      return;
    }
    if (this.#role !== "member") return;
    this.#setFollow("following");
    this.#converge();
  }

  // --- member ---

  #schedule(point: TimelinePoint, action: PlayerAction): void {
    const player = this.#player;
    if (this.#commandTimer !== null) this.#ctx.clock.clearTimeout(this.#commandTimer);
    this.#commandTimer = null;
    if (!player || this.#follow === "held") {
      // Remember where the room is going; a held or absent player catches up later.
      this.#anchor = point;
      return;
    }
    // A seek while playing, with time to spare, is made a play: stop, seek now to where the
    // room will be at the target, and start from there, the start-up latency early. What a
    // seek costs depends on where it lands (what is buffered, how far from a keyframe:
    // 85–200 ms in Chromium, even 400 for a far one); done ahead, it costs nothing at the
    // target, and only the start-up latency, which varies less, is left to allow for. The
    // time to spare is that of a seek while paused (done once "seeked") and the start-up: on
    // a far path a seek arrives 200–260 ms ahead, too little for a seek while playing's cost.
    const spareMs = this.#localDelayUntil(point.serverTs);
    const prepareMs = this.pausedSeekLatency.estimateMs + this.startLatency.estimateMs +
      SEEK_PREPARE_MARGIN_MS;
    if (action === "seek" && point.playing && !player.paused && spareMs >= prepareMs) {
      this.#pauseAt(player.currentTime());
    }
    // Prepare now what can be prepared: a paused player waits at the start position.
    if (point.playing && player.paused) this.#seekTo(point.position);
    const startEarlyMs = point.playing && player.paused ? this.startLatency.estimateMs : 0;
    // A pause (or a seek while paused) holds at its point whenever it lands: a member stops
    // now rather than play on to the target and jump back by what it played meanwhile (the
    // host stopped when its user did). A host carrying out another's pause keeps the target,
    // so that its own user's next action can still overtake it.
    const early = !point.playing && this.#role === "member";
    const wait = early ? 0 : this.#localDelayUntil(point.serverTs) - startEarlyMs;
    this.#setFollow("scheduled");
    const apply = () => {
      this.#commandTimer = null;
      this.#anchor = point;
      this.#apply(action);
    };
    if (wait <= 0) apply();
    else this.#commandTimer = this.#ctx.clock.setTimeout(apply, wait);
  }

  /** Executes a due command (or a late one, extrapolated). */
  #apply(action: PlayerAction): void {
    const player = this.#player;
    const anchor = this.#anchor;
    if (!player || !anchor) return;
    // A host carrying out another's command: the room knows this state already.
    if (this.#role === "host") this.#hostTold = anchor.playing ? "playing" : "paused";
    this.#setFollow("following");
    this.#drift.reset();
    if (!anchor.playing) {
      this.#pauseAt(anchor.position);
      return;
    }
    if (player.paused) {
      // On time, the player waits at position_at_target and starts now, its start-up
      // latency early. A timer that fires a little late (a busy page or machine: 0–17 ms in
      // Chromium) leaves it as much behind, which the drift loop takes up: a seek to make up
      // for it costs more than it saves (a start behind a seek waits for it, 15–80 ms in
      // Chromium). Only when the timeline has moved on by more than a seek costs (a command
      // that arrived late) does it start from where the timeline will be by then.
      const startAt = this.#expected(this.startLatency.estimateMs);
      if (
        startAt !== null &&
        Math.abs(startAt - player.currentTime()) * 1000 > this.seekLatency.estimateMs
      ) {
        this.#seekTo(startAt);
      }
      this.#startAt();
      // A host started with the room is the reference from here: what its start cost is
      // learned (as a member's is by its drift loop), so its next start is on time.
      if (this.#role === "host") this.#later(() => this.#hostLearnStart(), START_MEASURE_AFTER_MS);
      return;
    }
    // A seek while playing: land where the timeline will be once the seek is done.
    const expected = this.#expected();
    if (expected === null) return;
    if (action === "seek" || Math.abs(expected - player.currentTime()) > SAME_POSITION_S) {
      this.#seekWhilePlaying(expected);
    }
    this.#loop();
  }

  /** Brings a player that drifted off the room's state (join, state update, resync) to it. */
  #converge(): void {
    const player = this.#player;
    const anchor = this.#anchor;
    if (!player || !anchor || this.#role !== "member") return;
    // A stalled player is waited out (its "playing" brings it back), not pushed around.
    if (this.#follow === "buffering") return;
    if (this.#follow !== "held" && this.#follow !== "blocked") this.#setFollow("following");
    if (!anchor.playing) {
      this.#pauseAt(anchor.position);
      return;
    }
    const expected = this.#expected();
    if (expected === null) return;
    // Played to its end before the room got there: it waits there (a start would only end
    // again), until the room's next command.
    if (player.ended && expected >= player.currentTime() - SAME_POSITION_S) return;
    if (player.paused) {
      // Start ahead by the start-up latency, so the media moves when the timeline is there.
      this.#seekTo(expected + this.startLatency.estimateMs / 1000);
      this.#startAt();
    } else {
      this.#loop();
    }
  }

  #startAt(): void {
    const player = this.#player!;
    player.setRate(this.#roomRate);
    this.#guard.play++;
    // A start that waits for a seek of ours costs the seek too: it says nothing of the
    // start-up latency, and learned as one it would make the next starts early.
    this.#measure = this.#guard.seek > 0 ? null : {
      kind: "start",
      atMs: this.#ctx.clock.now(),
      assumedMs: this.startLatency.estimateMs,
    };
    this.#drift.started(this.#ctx.clock.now());
    player.play().then(() => {
      if (this.#readiness === "autoplay_blocked") this.#setReadiness("ready");
    }, (error: unknown) => {
      this.#guard.play = Math.max(0, this.#guard.play - 1);
      this.#measure = null;
      // Only the autoplay policy's refusal asks for a click. A player without a working
      // source (media_error) refuses too, and a start we stopped ourselves aborts: neither
      // is the user's to fix with a click.
      if ((error as { name?: unknown } | null)?.name !== "NotAllowedError") return;
      // Autoplay refused: the page asks the user for a click, which calls resync().
      this.#setFollow("blocked");
      this.#setReadiness("autoplay_blocked");
    });
    this.#loop();
  }

  #pauseAt(position: number): void {
    const player = this.#player!;
    player.setRate(this.#roomRate);
    if (!player.paused) {
      this.#guard.pause++;
      player.pause();
    }
    this.#seekTo(position);
    this.#stopLoop();
  }

  #seekWhilePlaying(expected: number): void {
    this.#measure = {
      kind: "seek",
      atMs: this.#ctx.clock.now(),
      assumedMs: this.seekLatency.estimateMs,
    };
    this.#seekTo(expected + this.seekLatency.estimateMs / 1000);
    this.#drift.seeked(this.#ctx.clock.now());
  }

  #seekTo(position: number): void {
    const player = this.#player!;
    if (Math.abs(player.currentTime() - position) <= SAME_POSITION_S / 2) return;
    // Only a lone seek of a paused player is measured: with two, which "seeked" is whose?
    this.#pausedSeekFrom = player.paused && this.#guard.seek === 0 ? this.#ctx.clock.now() : null;
    this.#guard.seek++;
    player.seek(Math.max(0, position));
  }

  /** The drift loop: one check now and every driftCheckMs while the room plays. */
  #loop(): void {
    this.#stopLoop();
    const tick = () => {
      this.#loopTimer = null;
      if (this.#checkDrift()) {
        this.#loopTimer = this.#ctx.clock.setTimeout(tick, this.#driftCheckMs);
      }
    };
    this.#loopTimer = this.#ctx.clock.setTimeout(tick, this.#driftCheckMs);
  }

  #stopLoop(): void {
    if (this.#loopTimer !== null) this.#ctx.clock.clearTimeout(this.#loopTimer);
    this.#loopTimer = null;
  }

  /** One drift check; false when there is nothing to follow any more. */
  #checkDrift(): boolean {
    const player = this.#player;
    const anchor = this.#anchor;
    if (!player || !anchor?.playing || this.#role !== "member") return false;
    if (this.#follow === "held" || this.#follow === "blocked") return false;
    if (this.#follow === "buffering" || player.paused) return true;
    const expected = this.#expected();
    if (expected === null) return true;
    const now = this.#ctx.clock.now();
    const drift = expected - player.currentTime();
    this.#lastDriftS = drift;
    this.#learn(drift, now);
    const decision = this.#drift.decide(drift, now, anchor.rate);
    if (decision.kind === "seek") this.#seekWhilePlaying(expected);
    if (decision.kind === "rate" && decision.rate !== player.rate) {
      // A correction around rate 1 may bend the pitch (see Player.setRate); a room that plays
      // at another rate keeps it, as its people chose.
      player.setRate(decision.rate, decision.rate === anchor.rate || anchor.rate !== 1);
    }
    if (now - this.#lastReportMs >= this.#reportIntervalMs && decision.kind === "rate") {
      this.#lastReportMs = now;
      this.#ctx.sendReport({ drift_ms: Math.round(drift * 1000 * 10) / 10, rate: player.rate });
    }
    this.#emitStatus();
    return true;
  }

  /** A start or seek of ours has settled: what it really cost tunes the next one. */
  #learn(driftS: number, nowMs: number): void {
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

  // --- host ---

  #hostTick(): void {
    const player = this.#player;
    if (!player || this.#role !== "host") return;
    const at = this.#ctx.serverNow();
    const playState: PlayState = player.paused ? "paused" : "playing";
    // Not while a start or seek has the media standing still (its position would be stale),
    // nor while another's command is about to change it, nor before the room has been told
    // the play state (between the user's play() and "playing", the media is not running: the
    // room relays a new play state at once, and members would start on a standing position).
    if (
      at !== null && !this.#stallReported && this.#movingTell === null &&
      this.#commandTimer === null && playState === this.#hostTold && this.#ownCallsSettled()
    ) {
      this.#ctx.sendState(player.currentTime(), playState, at);
    }
    this.#later(() => this.#hostTick(), this.#stateIntervalMs);
  }

  /**
   * No start or seek of ours is under way: its events have come, and the media has had the
   * time to run from them (Chromium's runs 65–95 ms after "playing" or "seeked").
   */
  #ownCallsSettled(): boolean {
    return this.#guard.play === 0 && this.#guard.seek === 0 &&
      this.#ctx.clock.now() - this.#ownSettledAt >= OWN_CALL_SETTLE_MS;
  }

  /**
   * A host come back into a room under way: its player takes the room's timeline (paused at
   * its position, or started where it will be), quietly: these are our own calls, not
   * commands, and the room hears the host's position again once they have settled.
   */
  #hostCatchUp(): void {
    const player = this.#player;
    const anchor = this.#anchor;
    if (!player || !anchor) return;
    this.#hostTold = anchor.playing ? "playing" : "paused";
    if (!anchor.playing) {
      this.#pauseAt(anchor.position);
      return;
    }
    const expected = this.#expected();
    if (expected === null) return;
    if (player.paused) {
      this.#seekTo(expected + this.startLatency.estimateMs / 1000);
      this.#startAt();
    } else if (Math.abs(expected - player.currentTime()) > SAME_POSITION_S) {
      this.#seekWhilePlaying(expected);
    }
  }

  /** A host's start with the room, once settled: how far behind the room's point it began. */
  #hostLearnStart(): void {
    const player = this.#player;
    if (!player || player.paused || this.#role !== "host") return;
    const expected = this.#expected();
    if (expected !== null) this.#learn(expected - player.currentTime(), this.#ctx.clock.now());
  }

  /** Tells the room: the player's position and the server instant, read together. */
  #tell(action: PlayerAction, playState: PlayState): void {
    const at = this.#ctx.serverNow();
    if (at === null || !this.#player) return;
    const position = this.#player.currentTime();
    this.#hostTold = playState;
    this.#ctx.sendCommand(action, position, playState, at);
    if (this.#role === "member") this.#followOwn(position, playState === "playing", at);
  }

  /**
   * A member that commanded: the room's timeline is its own point from now on (the echo will
   * say so), so the drift loop follows it, and the host's updates until the echo are ignored.
   */
  #followOwn(position: number, playing: boolean, serverTs: number): void {
    this.#anchor = { position, serverTs, playing, rate: this.#roomRate };
    this.#ownCommandUntil = this.#ctx.clock.now() + OWN_COMMAND_WINDOW_MS;
    this.#drift.reset();
    this.#setFollow("following");
    if (playing) this.#loop();
    else this.#stopLoop();
  }

  /** The echo of our own command: the room's timeline, confirmed. */
  #adoptOwn(point: TimelinePoint): void {
    this.#ownCommandUntil = Number.NEGATIVE_INFINITY;
    this.#anchor = point;
  }

  /** This client's user commands the room: a host, or a member the room lets control. */
  #controls(): boolean {
    return this.#role === "host" || (this.#role === "member" && this.#canControl);
  }

  /** The user acted: a command of another still to be carried out is overtaken. */
  #dropScheduled(): void {
    if (this.#commandTimer === null) return;
    this.#ctx.clock.clearTimeout(this.#commandTimer);
    this.#commandTimer = null;
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
  #tellWhenMoving(action: "play" | "seek"): void {
    const player = this.#player!;
    this.#cancelMovingTell();
    const clock = this.#ctx.clock;
    const since = clock.now();
    const reading = () => ({ at: clock.now(), position: player.currentTime() });
    /** The last reading, and the first of the current run of readings that advance. */
    let last = reading();
    let runFrom = last;
    const advancing = (
      from: { at: number; position: number },
      to: typeof from,
      tolerance: number,
    ) => {
      const elapsedMs = to.at - from.at;
      const movedMs = (to.position - from.position) * 1000;
      return elapsedMs > 0 && movedMs > 0 &&
        Math.abs(movedMs - elapsedMs * player.rate) <= elapsedMs * tolerance;
    };
    const check = () => {
      this.#movingTell = null;
      if (player !== this.#player || !this.#controls() || player.paused) return;
      const now = reading();
      if (!advancing(last, now, MOVE_STEP_TOLERANCE)) runFrom = now;
      last = now;
      const running = now.at - runFrom.at >= MOVE_WINDOW_MS &&
        advancing(runFrom, now, MOVE_RUN_TOLERANCE);
      if (running || now.at - since >= MOVE_WAIT_MAX_MS) {
        this.#tell(action, "playing");
        return;
      }
      this.#movingTell = this.#later(check, MOVE_POLL_MS);
    };
    this.#movingTell = this.#later(check, MOVE_POLL_MS);
  }

  #cancelMovingTell(): void {
    if (this.#movingTell === null) return;
    this.#ctx.clock.clearTimeout(this.#movingTell);
    this.#timers.delete(this.#movingTell);
    this.#movingTell = null;
  }

  /** The user's own play, pause or seek, told to the room (a host, or a member who controls). */
  #hostEvent(event: PlayerEventType): void {
    const player = this.#player!;
    if (event === "playing" || event === "pause" || event === "seeked") this.#dropScheduled();
    switch (event) {
      case "playing":
        this.#clearStall();
        if (this.#follow === "blocked") {
          // The user started a player the browser kept from catching up: from where the room is.
          this.#setFollow("following");
          this.#hostCatchUp();
          return;
        }
        if (this.#hostTold !== "playing" || this.#stallReported) this.#tellWhenMoving("play");
        this.#stallReported = false;
        return;
      case "pause":
        this.#clearStall();
        this.#cancelMovingTell();
        this.#tell("pause", "paused");
        return;
      case "seeked":
        // Paused, the position stands still and is true now; playing, it is once it moves.
        if (player.paused) this.#tell("seek", "paused");
        else this.#tellWhenMoving("seek");
        return;
      case "waiting":
        if (this.#role !== "host" || player.paused || this.#stallTimer !== null) return;
        this.#stallTimer = this.#later(() => {
          this.#stallTimer = null;
          if (player.paused || player.canPlay) return;
          this.#stallReported = true;
          this.#tell("buffering", "playing");
        }, this.#stallReportMs);
        return;
    }
  }

  #clearStall(): void {
    if (this.#stallTimer !== null) this.#ctx.clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  // --- events from the player ---

  #onPlayerEvent(event: PlayerEventType): void {
    this.#trackEnd(event);
    if (this.#ours(event)) {
      if (event === "seeked" || event === "playing") {
        this.#drift.seeked(this.#ctx.clock.now());
        this.#ownSettledAt = this.#ctx.clock.now();
      }
      if (event === "seeked" && this.#pausedSeekFrom !== null) {
        if (this.#guard.seek === 0 && this.#player?.paused) {
          this.pausedSeekLatency.add(this.#ctx.clock.now() - this.#pausedSeekFrom);
        }
        this.#pausedSeekFrom = null;
      }
      // A browser says "waiting" while our own start or seek fetches data, and the "playing"
      // that ends it is ours: the player moves again, so the stall is over.
      if (event === "playing" && this.#follow === "buffering") this.#stallEnded();
      return;
    }
    // A "playing" the browser had queued before we stopped the player (see #deferPlay).
    if (event === "playing" && this.#player?.paused) return;
    if (this.#awaitingPlay && this.#awaitedEvent(event)) return;
    if (event === "seeked" && this.#isPressSeek()) return;
    if (event === "play" && this.#mayDeferPlay()) return this.#deferPlay();
    if (this.#role === "host") return this.#hostEvent(event);
    if (this.#role !== "member") return;
    // The film ended here: the browser paused by itself. A member goes on following (the
    // room's next command moves it), and one who may control tells nothing: the host's own
    // end is the room's.
    if ((event === "pause" || event === "ended") && this.#player?.ended) {
      this.#player.setRate(this.#roomRate);
      return;
    }
    if (this.#canControl && this.#userCommand(event)) return;
    switch (event) {
      case "canplay":
        this.#maybeReady();
        return;
      case "waiting":
        if (this.#follow !== "following") return;
        this.#setFollow("buffering");
        this.#reportStallLater();
        return;
      case "playing":
        if (this.#follow === "buffering") {
          this.#stallEnded();
          this.#drift.seeked(this.#ctx.clock.now());
        }
        if (this.#follow === "held" || this.#follow === "blocked") this.resync();
        return;
      case "pause":
      case "seeked":
        // The member's own hand: leave them be until they play again.
        if (this.#follow !== "idle") this.#setFollow("held");
        this.#player?.setRate(this.#roomRate);
        return;
    }
  }

  /**
   * Whether the user's play starts the room: a host, or a member who controls, while the room
   * is paused (a stall's restart, a blocked start or a catch-up are not new plays).
   */
  #mayDeferPlay(): boolean {
    if (!this.#startWithRoom || !this.#controls() || !this.#player) return false;
    if (this.#ctx.serverNow() === null) return false;
    if (this.#follow === "blocked" || this.#follow === "buffering") return false;
    return this.#role === "host" ? this.#hostTold === "paused" : !this.#anchor?.playing;
  }

  /**
   * The user pressed play: the player stops where it is and the room hears a deferred play
   * from there; the room's play comes back to every player, this one too, for one instant far
   * enough ahead for all (after whoever is still loading), so everyone starts on the same
   * frame, none ahead of the others. While it waits, the page shows whom the play waits for.
   */
  #deferPlay(): void {
    const player = this.#player!;
    this.#dropScheduled();
    this.#cancelMovingTell();
    this.#clearStall();
    const position = player.currentTime();
    this.#pauseAt(position);
    this.#awaitingPlay = { position };
    this.#pressSeek = { position, untilMs: this.#ctx.clock.now() + PRESS_SEEK_WINDOW_MS };
    this.#hostTold = "playing";
    if (this.#role === "member") {
      // Until the room's play, the host's updates describe the room before it.
      this.#ownCommandUntil = this.#ctx.clock.now() + OWN_COMMAND_WINDOW_MS;
    }
    this.#setFollow("scheduled");
    this.#ctx.sendCommand("play", position, "playing", "deferred");
  }

  /** A "seeked" that ends the seek the user's play was pressed on (once, and soon after). */
  #isPressSeek(): boolean {
    const press = this.#pressSeek;
    const player = this.#player;
    if (!press || !player) return false;
    this.#pressSeek = null;
    return this.#ctx.clock.now() <= press.untilMs &&
      Math.abs(player.currentTime() - press.position) <= SAME_POSITION_S * 5;
  }

  /**
   * Events of a start we hold back that are nobody's command: the browser's own seek to the
   * start of a film played again from its end lands where the play waits.
   */
  #awaitedEvent(event: PlayerEventType): boolean {
    if (!this.#player) return false;
    if (event === "seeking" || event === "play") return true;
    if (event === "seeked" && this.#isPressSeek()) return true;
    return false;
  }

  /**
   * A member who may control playback: its user's play, pause and seek are the room's, told
   * as a host tells them (once the media moves, for a play or a seek while playing). True when
   * the event was such a command.
   */
  #userCommand(event: PlayerEventType): boolean {
    const player = this.#player!;
    // A stall ending, or the click that unblocks autoplay, is no command.
    if (event === "playing" && (this.#follow === "buffering" || this.#follow === "blocked")) {
      return false;
    }
    if (event === "playing" && this.#anchor?.playing) return false; // playing with the room
    if (event !== "playing" && event !== "pause" && event !== "seeked") return false;
    this.#dropScheduled();
    this.#stopLoop();
    // Until the room has it, the host's state updates describe the room before it.
    this.#ownCommandUntil = this.#ctx.clock.now() + OWN_COMMAND_WINDOW_MS;
    this.#setFollow("following");
    if (event === "pause") {
      this.#cancelMovingTell();
      this.#tell("pause", "paused");
    } else if (event === "seeked" && player.paused) {
      this.#tell("seek", "paused");
    } else {
      this.#tellWhenMoving(event === "seeked" ? "seek" : "play");
    }
    return true;
  }

  /** A member's stall that outlasts the host's threshold: the room is told (a play may wait). */
  #reportStallLater(): void {
    // Data fetched for a start or seek of ours is not a stall of the film.
    if (this.#guard.play > 0 || this.#guard.seek > 0) return;
    this.#later(() => {
      if (this.#follow === "buffering") this.#setReadiness("buffering");
    }, this.#stallReportMs);
  }

  #stallEnded(): void {
    this.#setFollow("following");
    if (this.#readiness === "buffering") this.#setReadiness("ready");
  }

  /** Consumes the guard for an event our own call caused. */
  #ours(event: PlayerEventType): boolean {
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

  /**
   * The room hears when this player reaches the end of the media (whoever moved it there) and
   * when it leaves the end (a seek back, a replay): the queue moves on once every player ended.
   */
  #trackEnd(event: PlayerEventType): void {
    if (this.#role === "none") return;
    if (event === "ended") return this.#setReadiness("ended");
    if (this.#readiness !== "ended" || this.#player?.ended) return;
    if (event === "seeked" || event === "playing") this.#setReadiness("ready");
  }

  /** The first time a member's player can play, the room hears it is ready. */
  #maybeReady(): void {
    if (this.#readiness !== null || !this.#player?.canPlay) return;
    this.#setReadiness("ready");
  }

  #setReadiness(state: Readiness): void {
    if (this.#role === "none" || this.#readiness === state) return;
    // The host is the room's reference, ready from the start; it tells only the end of the
    // media, and leaving it.
    if (this.#role === "host" && state !== "ended" && this.#readiness !== "ended") return;
    this.#readiness = state;
    this.#ctx.sendReady(state);
  }

  // --- shared ---

  /** A room, a role or a player arrived: start from a clean slate. */
  #restart(): void {
    this.#clearTimers();
    this.#awaitingPlay = null;
    this.#pressSeek = null;
    for (const key of ["play", "pause", "seek"] as const) this.#guard[key] = 0;
    this.#drift.reset();
    const player = this.#player;
    if (!player || this.#role === "none") return this.#setFollow("idle");
    if (this.#role === "host") {
      // The reference runs at the room's rate exactly: a member that becomes host may have
      // been correcting its drift with another.
      player.setRate(this.#roomRate);
      this.#setFollow("following");
      this.#emitStatus();
      this.#hostTold = this.#anchor?.playing ? "playing" : "paused";
      if (this.#hostCatchesUp) {
        this.#hostCatchesUp = false;
        this.#hostCatchUp();
      } else if (!player.paused && this.#hostTold === "paused") {
        // A host whose player already plays when the room starts: the room must hear it.
        this.#hostEvent("playing");
      }
      this.#hostTick();
      return;
    }
    this.#setFollow("following");
    this.#converge();
    this.#maybeReady();
  }

  /** The room's rate at server instant `serverTs`, with a change announced for later. */
  #rateAt(serverTs: number): number {
    const next = this.#nextRate;
    return next && serverTs >= next.fromServerTs ? next.rate : this.#roomRate;
  }

  /** Where the room's timeline is now (or `aheadMs` from now). */
  #expected(aheadMs = 0): number | null {
    const serverNow = this.#ctx.serverNow();
    if (serverNow === null || !this.#anchor) return null;
    return timelinePosition(this.#anchor, serverNow + aheadMs);
  }

  /** Local ms until the server instant `serverTs`. */
  #localDelayUntil(serverTs: number): number {
    const serverNow = this.#ctx.serverNow();
    return serverNow === null ? 0 : serverTs - serverNow;
  }

  #later(fire: () => void, delayMs: number): number {
    const handle = this.#ctx.clock.setTimeout(() => {
      this.#timers.delete(handle);
      fire();
    }, delayMs);
    this.#timers.add(handle);
    return handle;
  }

  #clearTimers(): void {
    for (const handle of this.#timers) this.#ctx.clock.clearTimeout(handle);
    this.#timers.clear();
    if (this.#commandTimer !== null) this.#ctx.clock.clearTimeout(this.#commandTimer);
    this.#commandTimer = null;
    this.#stallTimer = null;
    this.#movingTell = null;
    this.#stopLoop();
  }

  #setFollow(follow: FollowState): void {
    if (this.#follow === follow) return;
    this.#follow = follow;
    this.#emitStatus();
  }

  #emitStatus(): void {
    this.#ctx.onStatus(this.status);
  }
}
