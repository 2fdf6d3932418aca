/**
 * Puts a room's timeline on a player, or (as host) the player on the room's timeline: the
 * public face of playback synchronisation. The decisions are pure and live in three parts:
 * what both roles share (client/sync_core.ts: the timeline, the player calls, their learned
 * latencies and their events), the host's side (client/host_reporter.ts: the user's play,
 * pause and seek told to the room) and a member's (client/member_follower.ts: the room's
 * commands and state put on the player). They write their decisions as effects; this class
 * owns the player and the timers, reads the player and the clocks for each decision, carries
 * the effects out in order, and hands each player event and timer to the part it is for.
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
import type { DriftOptions } from "./core/drift_controller.ts";
import type { LatencyLearner } from "./core/latency_learner.ts";
import type { TimelinePoint } from "./core/timeline.ts";
import type { LocalClock, Player, PlayerEventType } from "./ports.ts";
import type { Readiness } from "../protocol/client_messages.ts";
import { HostReporter } from "./host_reporter.ts";
import { MemberFollower } from "./member_follower.ts";
import {
  type Effect,
  type FollowState,
  type Outgoing,
  type PlayerAction,
  type PlayerReading,
  type PlayState,
  type RateChange,
  type SlotTimer,
  Step,
  SyncCore,
  type SyncReport,
  type TimerCall,
} from "./sync_core.ts";

export type { FollowState, PlayerAction, PlayState, RateChange, SyncReport } from "./sync_core.ts";
/** How a member's player is, as the room is told (docs/protocol.md 3.5). */
/** `media_error`: the player could not load the room's media (a broken link): not waited for. */
/** `ended`: the player reached the end of the media (it counts as ready; the queue moves on). */
export type { Readiness };

/** A command as relayed by the room. */
export interface RoomCommand {
  readonly action: PlayerAction;
  readonly playState: PlayState;
  readonly targetServerTs: number;
  readonly positionAtTarget: number;
  /** This client sent it (the room echoes commands to their sender under shared control). */
  readonly own?: boolean;
}

export interface SyncStatus {
  readonly role: "host" | "member" | "none";
  readonly follow: FollowState;
  /** Timeline − player (ms, positive = behind), last measured; null when not measured. */
  readonly driftMs: number | null;
  readonly rate: number;
  readonly startLatencyMs: number;
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

const SLOT_TIMERS: ReadonlySet<string> = new Set<SlotTimer>([
  "command",
  "driftCheck",
  "hostStall",
  "movingCheck",
]);

export class PlaybackSync {
  readonly #ctx: PlaybackSyncContext;
  readonly #core: SyncCore;
  readonly #follower: MemberFollower;
  readonly #reporter: HostReporter;
  #player: Player | null = null;
  #unsubscribe: (() => void) | null = null;
  /** The timers of which one runs at a time, by name, and the others. */
  readonly #slots = new Map<SlotTimer, number>();
  readonly #timers = new Set<number>();

  constructor(ctx: PlaybackSyncContext, options: PlaybackSyncOptions = {}) {
    this.#ctx = ctx;
    this.#core = new SyncCore(options);
    this.#follower = new MemberFollower(this.#core, options);
    this.#reporter = new HostReporter(this.#core, this.#follower, options);
  }

  /** Start-up and seek latencies: a first guess (the player's typical ones), then measured. */
  get startLatency(): LatencyLearner {
    return this.#core.startLatency;
  }
  set startLatency(learner: LatencyLearner) {
    this.#core.startLatency = learner;
  }
  get seekLatency(): LatencyLearner {
    return this.#core.seekLatency;
  }
  set seekLatency(learner: LatencyLearner) {
    this.#core.seekLatency = learner;
  }
  get pausedSeekLatency(): LatencyLearner {
    return this.#core.pausedSeekLatency;
  }
  set pausedSeekLatency(learner: LatencyLearner) {
    this.#core.pausedSeekLatency = learner;
  }

  get status(): SyncStatus {
    const core = this.#core;
    return {
      role: core.role,
      follow: core.follow,
      driftMs: core.lastDriftS === null ? null : Math.round(core.lastDriftS * 1000),
      rate: this.#player?.rate ?? core.roomRate,
      startLatencyMs: Math.round(core.startLatency.estimateMs),
    };
  }

  /** The player to synchronise (a page may attach it after joining, once the media loads). */
  attach(player: Player): void {
    this.detach();
    this.#player = player;
    // Until this client has measured its own, the player's typical latencies are the guess.
    const typical = player.typicalLatencyMs;
    if (typical) this.#core.adoptTypicalLatencies(typical);
    this.#unsubscribe = player.on((event) => this.#onPlayerEvent(event));
    this.#restart();
  }

  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#player = null;
    this.#clearTimers();
    this.#run((step) => this.#core.setFollow(step, "idle"));
  }

  /**
   * Entered a room, or (`sameRoom`) its state was sent again (a resume, a setting or the host
   * changed): `point` is the room's timeline now. `roomLeads`: a host that comes into a room
   * already under way (its page reloaded) takes the room's timeline, as a member would, rather
   * than giving the room its fresh player's 0:00; a host that created the room gives it.
   */
  enterRoom(isHost: boolean, point: TimelinePoint, sameRoom = false, roomLeads = false): void {
    this.#core.enterRoom(isHost, point, sameRoom);
    this.#reporter.catchesUp = isHost && roomLeads;
    this.#restart();
  }

  /**
   * The room plays new media (set_media, the queue) from `point`: the page loads it, and this
   * player is ready again only once it can play that (the room set it back to loading). A
   * command of the media before, still to be carried out, is dropped.
   */
  mediaChanged(point: TimelinePoint): void {
    this.#core.newMedia(point);
    this.#run((step) => this.#follower.dropScheduled(step));
  }

  /**
   * The player could not load the room's media (`true`: the room is told `media_error` and no
   * play waits for it), or loads it again (`false`, a retry: `loading`, then ready as usual).
   */
  mediaFailed(failed: boolean): void {
    this.#run((step) => this.#core.mediaFailed(step, failed));
  }

  /** Whether this member may control playback (a host always does). */
  setControl(canControl: boolean): void {
    this.#core.canControl = canControl;
  }

  leaveRoom(): void {
    const step = this.#step();
    this.#core.leaveRoom(step);
    this.#clearTimers();
    this.#perform(step.effects);
  }

  /**
   * A relayed player_event. A host acted already on its own (its play comes back to it), and
   * a member that commanded acted too: for it, the echo only confirms the timeline. A host
   * applies the commands of others (co-hosts, or everyone) as a member would.
   */
  command(command: RoomCommand): void {
    const core = this.#core;
    if (core.role === "none") return;
    const point: TimelinePoint = {
      position: command.positionAtTarget,
      serverTs: command.targetServerTs,
      playing: command.playState === "playing" && command.action !== "buffering",
      rate: core.rateAt(command.targetServerTs),
    };
    const awaited = this.#reporter.takeAwaitedPlay();
    this.#run((step) => {
      if (command.own) {
        // The room's play of the start we held: this player starts with everyone.
        if (awaited && command.action === "play") {
          core.ownCommandUntil = Number.NEGATIVE_INFINITY;
          this.#follower.schedule(step, point, "play");
          return;
        }
        if (core.role === "member") this.#follower.adoptOwn(point);
        return;
      }
      this.#follower.schedule(step, point, command.action);
    });
  }

  /** A relayed state_update: the host's position at `serverTs`. */
  stateUpdate(position: number, playState: PlayState, serverTs: number): void {
    this.#run((step) => this.#follower.stateUpdate(step, position, playState, serverTs));
  }

  /**
   * A rate_changed: at its target every player (the host's and the sender's too) switches to
   * the new rate, and the timeline runs at it from the point it names.
   */
  rateChanged(change: RateChange): void {
    this.#run((step) => this.#follower.rateChanged(step, change));
  }

  /** The user asks to be back in step (after holding, or to unblock autoplay). */
  resync(): void {
    const core = this.#core;
    this.#run((step) => {
      if (core.role === "host" && core.follow === "blocked") return this.#reporter.unblock(step);
      if (core.role === "member") this.#follower.resync(step);
    });
  }

  // --- events from the player, by whom they are for ---

  #onPlayerEvent(event: PlayerEventType): void {
    this.#run((step) => this.#routeEvent(step, event));
  }

  #routeEvent(step: Step, event: PlayerEventType): void {
    const core = this.#core;
    const reporter = this.#reporter;
    core.trackEnd(step, event);
    if (core.ours(event)) return core.ownEvent(step, event);
    // A "playing" the browser had queued before we stopped the player (HostReporter.deferPlay).
    if (event === "playing" && step.player?.paused) return;
    if (reporter.awaitingPlay && reporter.awaitedEvent(step, event)) return;
    if (event === "seeked" && reporter.isPressSeek(step)) return;
    if (event === "play" && reporter.mayDeferPlay(step)) return reporter.deferPlay(step);
    if (core.role === "host") return reporter.hostEvent(step, event);
    if (core.role !== "member") return;
    if (this.#follower.playerEnded(step, event)) return;
    if (core.canControl && reporter.userCommand(step, event)) return;
    this.#follower.playerEvent(step, event);
  }

  // --- carrying decisions out ---

  /** A room, a role or a player arrived: start from a clean slate. */
  #restart(): void {
    this.#clearTimers();
    this.#reporter.forgetPress();
    this.#core.forgetCalls();
    const core = this.#core;
    if (!this.#player || core.role === "none") {
      return this.#run((step) => core.setFollow(step, "idle"));
    }
    // Each in a step of its own: what comes after sees the player as the calls before left it.
    if (core.role === "host") {
      this.#run((step) => this.#reporter.enter(step));
      this.#run((step) => this.#reporter.stateTickDue(step));
      return;
    }
    this.#run((step) => this.#follower.enter(step));
    this.#run((step) => core.maybeReady(step));
  }

  /** A decision taken now: the step is filled by `decide`, then carried out. */
  #run(decide: (step: Step) => void): void {
    const step = this.#step();
    decide(step);
    this.#perform(step.effects);
  }

  #step(): Step {
    return new Step({
      nowMs: this.#ctx.clock.now(),
      serverNow: this.#ctx.serverNow(),
      player: this.#read(),
    });
  }

  #read(): PlayerReading | null {
    const player = this.#player;
    if (!player) return null;
    return {
      currentTime: player.currentTime(),
      paused: player.paused,
      ended: player.ended,
      canPlay: player.canPlay,
      rate: player.rate,
    };
  }

  #perform(effects: readonly Effect[]): void {
    for (const effect of effects) this.#do(effect);
  }

  #do(effect: Effect): void {
    const player = this.#player;
    switch (effect.kind) {
      case "setRate":
        if (effect.keepPitch === undefined) player?.setRate(effect.rate);
        else player?.setRate(effect.rate, effect.keepPitch);
        return;
      case "pause":
        player?.pause();
        return;
      case "seek":
        player?.seek(effect.to);
        return;
      case "play":
        player?.play().then(
          () => this.#run((step) => this.#core.playStarted(step)),
          (error: unknown) => {
            const name = (error as { name?: unknown } | null)?.name;
            this.#run((step) => this.#core.playRefused(step, name));
          },
        );
        return;
      case "send":
        return this.#send(effect.message);
      case "status":
        this.#ctx.onStatus(this.status);
        return;
      case "schedule":
        return this.#schedule(effect, effect.delayMs);
      case "cancel": {
        const handle = this.#slots.get(effect.timer);
        if (handle === undefined) return;
        this.#ctx.clock.clearTimeout(handle);
        this.#slots.delete(effect.timer);
        return;
      }
      case "fire":
        return this.#fire(effect);
    }
  }

  #send(message: Outgoing): void {
    const ctx = this.#ctx;
    switch (message.type) {
      case "command":
        return ctx.sendCommand(message.action, message.position, message.playState, message.at);
      case "state":
        return ctx.sendState(message.position, message.playState, message.at);
      case "ready":
        return ctx.sendReady(message.state);
      case "report":
        return ctx.sendReport(message.report);
    }
  }

  #schedule(call: TimerCall, delayMs: number): void {
    const clock = this.#ctx.clock;
    if (SLOT_TIMERS.has(call.timer)) {
      const slot = call.timer as SlotTimer;
      const handle = clock.setTimeout(() => {
        if (this.#slots.get(slot) === handle) this.#slots.delete(slot);
        this.#fire(call);
      }, delayMs);
      this.#slots.set(slot, handle);
      return;
    }
    const handle = clock.setTimeout(() => {
      this.#timers.delete(handle);
      this.#fire(call);
    }, delayMs);
    this.#timers.add(handle);
  }

  /** A timer's work, handed to the part that asked for it. */
  #fire(call: TimerCall): void {
    const follower = this.#follower;
    const reporter = this.#reporter;
    this.#run((step) => {
      switch (call.timer) {
        case "command":
          return follower.commandDue(step);
        case "driftCheck":
          return follower.driftCheckDue(step);
        case "memberStall":
          return follower.stallReportDue(step);
        case "rateChange":
          return follower.rateDue(step, call.change);
        case "hostStall":
          return reporter.stallDue(step);
        case "movingCheck":
          return reporter.movingCheckDue(step);
        case "stateTick":
          return reporter.stateTickDue(step);
        case "startCheck":
          return reporter.startCheckDue(step);
      }
    });
  }

  #clearTimers(): void {
    const clock = this.#ctx.clock;
    for (const handle of this.#timers) clock.clearTimeout(handle);
    this.#timers.clear();
    for (const handle of this.#slots.values()) clock.clearTimeout(handle);
    this.#slots.clear();
    this.#core.timersCleared();
    this.#follower.timersCleared();
    this.#reporter.timersCleared();
  }
}
