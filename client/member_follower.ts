/**
 * A member's side of PlaybackSync: the room's commands and state put on the player. Every
 * command the room relays is a timeline point for a future server instant; the player is
 * prepared on arrival (seeked while paused), started early by its own measured start-up
 * latency so the media moves at the target, and then kept on the timeline by the drift
 * controller (rate within bounds, hard seek beyond). A command that arrives late is
 * extrapolated. A member who pauses or seeks their own player is left alone ("held") until
 * they play again, which brings them back in step; a stall is waited out, not fought.
 *
 * A host carries out the commands of others (co-hosts, or everyone) here too, as a member
 * would, and every player switches rate here at a rate change's target. Pure, as SyncCore:
 * decisions are written into a Step as effects.
 */
import type { TimelinePoint } from "./core/timeline.ts";
import type { PlayerEventType } from "./ports.ts";
import {
  type PlayerAction,
  type PlayState,
  type RateChange,
  SAME_POSITION_S,
  START_MEASURE_AFTER_MS,
  type Step,
  type SyncCore,
} from "./sync_core.ts";

/** A seek while playing is prepared ahead when there is this much time beyond what it costs. */
const SEEK_PREPARE_MARGIN_MS = 30;

export interface MemberFollowerOptions {
  /** How long a stall lasts before the room is told. */
  readonly stallReportMs?: number;
  /** How often a member reports its drift. */
  readonly reportIntervalMs?: number;
}

export class MemberFollower {
  readonly #core: SyncCore;
  readonly #stallReportMs: number;
  readonly #reportIntervalMs: number;
  /** A command of the room's waiting for its target instant. */
  #scheduled: { readonly point: TimelinePoint; readonly action: PlayerAction } | null = null;
  #lastReportMs = Number.NEGATIVE_INFINITY;

  constructor(core: SyncCore, options: MemberFollowerOptions = {}) {
    this.#core = core;
    this.#stallReportMs = options.stallReportMs ?? 400;
    this.#reportIntervalMs = options.reportIntervalMs ?? 5_000;
  }

  /** A command is waiting for its target: the room is about to change. */
  get commandScheduled(): boolean {
    return this.#scheduled !== null;
  }

  /** The facade cleared every timer. */
  timersCleared(): void {
    this.#scheduled = null;
  }

  /** The user acted (or new media came): a command of another still to carry out is dropped. */
  dropScheduled(step: Step): void {
    if (this.#scheduled === null) return;
    this.#scheduled = null;
    step.emit({ kind: "cancel", timer: "command" });
  }

  /** Entered a room as a member, or the player arrived: onto the room's timeline. */
  enter(step: Step): void {
    this.#core.setFollow(step, "following");
    this.converge(step);
  }

  /** The user asks to be back in step (after holding, or to unblock autoplay). */
  resync(step: Step): void {
    this.#core.setFollow(step, "following");
    this.converge(step);
  }

  /** The echo of our own command: the room's timeline, confirmed. */
  adoptOwn(point: TimelinePoint): void {
    this.#core.ownCommandUntil = Number.NEGATIVE_INFINITY;
    this.#core.anchor = point;
  }

  /** A relayed command (of another, or the room's play of a start we held) for its target. */
  schedule(step: Step, point: TimelinePoint, action: PlayerAction): void {
    const core = this.#core;
    const player = step.player;
    this.dropScheduled(step);
    if (!player || core.follow === "held") {
      // Remember where the room is going; a held or absent player catches up later.
      core.anchor = point;
      return;
    }
    // A seek while playing, with time to spare, is made a play: stop, seek now to where the
    // room will be at the target, and start from there, the start-up latency early. What a
    // seek costs depends on where it lands (what is buffered, how far from a keyframe:
    // 85–200 ms in Chromium, even 400 for a far one); done ahead, it costs nothing at the
    // target, and only the start-up latency, which varies less, is left to allow for. The
    // time to spare is that of a seek while paused (done once "seeked") and the start-up: on
    // a far path a seek arrives 200–260 ms ahead, too little for a seek while playing's cost.
    const spareMs = core.delayUntil(step, point.serverTs);
    const prepareMs = core.pausedSeekLatency.estimateMs + core.startLatency.estimateMs +
      SEEK_PREPARE_MARGIN_MS;
    if (action === "seek" && point.playing && !player.paused && spareMs >= prepareMs) {
      core.pauseAt(step, player.currentTime);
    }
    // Prepare now what can be prepared: a paused player waits at the start position.
    if (point.playing && player.paused) core.seekTo(step, point.position);
    const startEarlyMs = point.playing && player.paused ? core.startLatency.estimateMs : 0;
    // A pause (or a seek while paused) holds at its point whenever it lands: a member stops
    // now rather than play on to the target and jump back by what it played meanwhile (the
    // host stopped when its user did). A host carrying out another's pause keeps the target,
    // so that its own user's next action can still overtake it.
    const early = !point.playing && core.role === "member";
    const wait = early ? 0 : core.delayUntil(step, point.serverTs) - startEarlyMs;
    core.setFollow(step, "scheduled");
    this.#scheduled = { point, action };
    if (wait <= 0) step.emit({ kind: "fire", timer: "command" });
    else step.emit({ kind: "schedule", timer: "command", delayMs: wait });
  }

  /** The scheduled command is due. */
  commandDue(step: Step): void {
    const due = this.#scheduled;
    if (!due) return;
    this.#scheduled = null;
    this.#core.anchor = due.point;
    this.#apply(step, due.action);
  }

  /** Executes a due command (or a late one, extrapolated). */
  #apply(step: Step, action: PlayerAction): void {
    const core = this.#core;
    const player = step.player;
    const anchor = core.anchor;
    if (!player || !anchor) return;
    // A host carrying out another's command: the room knows this state already.
    if (core.role === "host") core.told = anchor.playing ? "playing" : "paused";
    core.setFollow(step, "following");
    core.drift.reset();
    if (!anchor.playing) {
      core.pauseAt(step, anchor.position);
      return;
    }
    if (player.paused) {
      // On time, the player waits at position_at_target and starts now, its start-up
      // latency early. A timer that fires a little late (a busy page or machine: 0–17 ms in
      // Chromium) leaves it as much behind, which the drift loop takes up: a seek to make up
      // for it costs more than it saves (a start behind a seek waits for it, 15–80 ms in
      // Chromium). Only when the timeline has moved on by more than a seek costs (a command
      // that arrived late) does it start from where the timeline will be by then.
      const startAt = core.expected(step, core.startLatency.estimateMs);
      if (
        startAt !== null &&
        Math.abs(startAt - player.currentTime) * 1000 > core.seekLatency.estimateMs
      ) {
        core.seekTo(step, startAt);
      }
      core.startAt(step);
      // A host started with the room is the reference from here: what its start cost is
      // learned (as a member's is by its drift loop), so its next start is on time.
      if (core.role === "host") {
        step.emit({ kind: "schedule", timer: "startCheck", delayMs: START_MEASURE_AFTER_MS });
      }
      return;
    }
    // A seek while playing: land where the timeline will be once the seek is done.
    const expected = core.expected(step);
    if (expected === null) return;
    if (action === "seek" || Math.abs(expected - player.currentTime) > SAME_POSITION_S) {
      core.seekWhilePlaying(step, expected);
    }
    core.startDriftLoop(step);
  }

  /** A relayed state_update: the host's position at `serverTs`. */
  stateUpdate(step: Step, position: number, playState: PlayState, serverTs: number): void {
    const core = this.#core;
    if (core.role !== "member" || this.#scheduled !== null) return;
    if (step.nowMs < core.ownCommandUntil) return;
    core.anchor = {
      position,
      serverTs,
      playing: playState === "playing",
      rate: core.rateAt(serverTs),
    };
    if (core.follow === "held" || core.follow === "blocked") return;
    this.converge(step);
  }

  /**
   * A rate_changed: at its target every player (the host's and the sender's too) switches to
   * the new rate, and the timeline runs at it from the point it names.
   */
  rateChanged(step: Step, change: RateChange): void {
    if (this.#core.role === "none") return;
    this.#core.nextRate = { rate: change.rate, fromServerTs: change.targetServerTs };
    const wait = this.#core.delayUntil(step, change.targetServerTs);
    if (wait <= 0) this.rateDue(step, change);
    else step.emit({ kind: "schedule", timer: "rateChange", change, delayMs: wait });
  }

  /** A rate change's target instant. */
  rateDue(step: Step, change: RateChange): void {
    const core = this.#core;
    core.roomRate = change.rate;
    if (core.nextRate?.fromServerTs === change.targetServerTs) core.nextRate = null;
    // A command scheduled meanwhile has its own point, at the rate of its target.
    if (this.#scheduled === null) {
      core.anchor = {
        position: change.positionAtTarget,
        serverTs: change.targetServerTs,
        playing: change.playState === "playing",
        rate: change.rate,
      };
    }
    core.drift.reset();
    if (step.player) step.emit({ kind: "setRate", rate: change.rate });
    step.emit({ kind: "status" });
  }

  /** Brings a player that drifted off the room's state (join, state update, resync) to it. */
  converge(step: Step): void {
    const core = this.#core;
    const player = step.player;
    const anchor = core.anchor;
    if (!player || !anchor || core.role !== "member") return;
    // A stalled player is waited out (its "playing" brings it back), not pushed around.
    if (core.follow === "buffering") return;
    if (core.follow !== "held" && core.follow !== "blocked") core.setFollow(step, "following");
    if (!anchor.playing) {
      core.pauseAt(step, anchor.position);
      return;
    }
    const expected = core.expected(step);
    if (expected === null) return;
    // Played to its end before the room got there: it waits there (a start would only end
    // again), until the room's next command.
    if (player.ended && expected >= player.currentTime - SAME_POSITION_S) return;
    if (player.paused) {
      // Start ahead by the start-up latency, so the media moves when the timeline is there.
      core.seekTo(step, expected + core.startLatency.estimateMs / 1000);
      core.startAt(step);
    } else {
      core.startDriftLoop(step);
    }
  }

  /** The drift loop's check is due: one check, and the next one while there is to follow. */
  driftCheckDue(step: Step): void {
    this.#core.driftLoopFired();
    if (this.#checkDrift(step)) this.#core.continueDriftLoop(step);
  }

  /** One drift check; false when there is nothing to follow any more. */
  #checkDrift(step: Step): boolean {
    const core = this.#core;
    const player = step.player;
    const anchor = core.anchor;
    if (!player || !anchor?.playing || core.role !== "member") return false;
    if (core.follow === "held" || core.follow === "blocked") return false;
    if (core.follow === "buffering" || player.paused) return true;
    const expected = core.expected(step);
    if (expected === null) return true;
    const now = step.nowMs;
    const drift = expected - player.currentTime;
    core.lastDriftS = drift;
    core.learn(drift, now);
    const decision = core.drift.decide(drift, now, anchor.rate);
    if (decision.kind === "seek") core.seekWhilePlaying(step, expected);
    if (decision.kind === "rate" && decision.rate !== player.rate) {
      // A correction around rate 1 may bend the pitch (see Player.setRate); a room that plays
      // at another rate keeps it, as its people chose.
      step.emit({
        kind: "setRate",
        rate: decision.rate,
        keepPitch: decision.rate === anchor.rate || anchor.rate !== 1,
      });
    }
    if (now - this.#lastReportMs >= this.#reportIntervalMs && decision.kind === "rate") {
      this.#lastReportMs = now;
      const report = { drift_ms: Math.round(drift * 1000 * 10) / 10, rate: player.rate };
      step.emit({ kind: "send", message: { type: "report", report } });
    }
    step.emit({ kind: "status" });
    return true;
  }

  /**
   * The film ended here: the browser paused by itself. A member goes on following (the
   * room's next command moves it), and one who may control tells nothing: the host's own
   * end is the room's. True when the event was that.
   */
  playerEnded(step: Step, event: PlayerEventType): boolean {
    if ((event !== "pause" && event !== "ended") || !step.player?.ended) return false;
    step.emit({ kind: "setRate", rate: this.#core.roomRate });
    return true;
  }

  /** An event of the member's player that is neither ours nor a command of its user's. */
  playerEvent(step: Step, event: PlayerEventType): void {
    const core = this.#core;
    switch (event) {
      case "canplay":
        core.maybeReady(step);
        return;
      case "waiting":
        if (core.follow !== "following") return;
        core.setFollow(step, "buffering");
        this.#reportStallLater(step);
        return;
      case "playing":
        if (core.follow === "buffering") {
          core.stallEnded(step);
          core.drift.seeked(step.nowMs);
        }
        if (core.follow === "held" || core.follow === "blocked") this.resync(step);
        return;
      case "pause":
      case "seeked":
        // The member's own hand: leave them be until they play again.
        if (core.follow !== "idle") core.setFollow(step, "held");
        if (step.player) step.emit({ kind: "setRate", rate: core.roomRate });
        return;
    }
  }

  /** A member's stall that outlasts the host's threshold: the room is told (a play may wait). */
  #reportStallLater(step: Step): void {
    // Data fetched for a start or seek of ours is not a stall of the film.
    if (this.#core.callsUnderWay()) return;
    step.emit({ kind: "schedule", timer: "memberStall", delayMs: this.#stallReportMs });
  }

  /** The stall's threshold passed. */
  stallReportDue(step: Step): void {
    if (this.#core.follow === "buffering") this.#core.setReadiness(step, "buffering");
  }
}
