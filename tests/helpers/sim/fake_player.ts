/**
 * A media player on the simulated clock, with the imperfections that make synchronisation
 * hard: it starts moving some time after play() (start-up latency), a seek takes time, its
 * media clock may run a little fast or slow against real time, and it can stall. Events are
 * fired asynchronously, as a browser does. `position` is the truth the tests measure.
 */
import type { ManualClock } from "../../../rooms/clock.ts";
import type { Player, PlayerEventType } from "../../../client/ports.ts";

export interface FakePlayerOptions {
  /** ms from play() until the media moves. */
  readonly startLatencyMs: number;
  /** ms a seek takes (position jumps at once; it does not advance until done). */
  readonly seekLatencyMs: number;
  /** Media seconds per real second at rate 1 (1.001 = runs 1 ms/s fast). */
  readonly clockSpeed: number;
  /**
   * Says "waiting" right after play() until it moves, as Chromium does when the data at the
   * position is not buffered yet (a cold start, a start right after a seek).
   */
  readonly waitsOnStart: boolean;
  /**
   * "playing" and "seeked" fire this long before the media moves (within the start and seek
   * latencies), as in Chromium, where the media clock runs 65–95 ms after either event.
   */
  readonly eventsEarlyMs: number;
  /**
   * With events early: the media first runs this long after the event, then holds until it
   * runs for good (Chromium's currentTime runs 15–20 ms, stands 50–70 ms, then runs).
   */
  readonly falseStartMs: number;
  /** A seek's latency by where it lands, when that matters (what is buffered, keyframes). */
  readonly seekLatencyAt?: (position: number) => number;
  /**
   * A seek while paused takes this long instead (no start-up to wait for: Chromium's say
   * "seeked" after 20–70 ms, where one while playing runs again after 85–200).
   */
  readonly pausedSeekLatencyMs?: number;
  /**
   * A play() while a seek is under way starts up only once the seek is done (Chromium: a seek
   * and a start called together cost about the seek plus the start-up).
   */
  readonly startWaitsForSeek?: boolean;
  /** The first play() takes this much longer (a browser opens its audio output then). */
  readonly firstStartExtraMs?: number;
  /** What the player says of its typical latencies (Player.typicalLatencyMs), if anything. */
  readonly typicalLatencyMs?: { readonly start: number; readonly seek: number };
  /**
   * Each time it starts time-stretching (a rate other than 1 with the pitch kept), the media
   * clock falls back this long (Chromium: 25 ms, measured in bench/README.md).
   */
  readonly pitchKeepingSetsBackMs?: number;
  /** It cannot play until this long after it was made (the media still loading), then "canplay". */
  readonly loadMs?: number;
  /** play() is refused (autoplay policy) until the user gives a gesture (grantGesture). */
  readonly blocksAutoplay?: boolean;
  /**
   * The media is this long (s): at its end the player stops by itself, says "pause" then
   * "ended" as a browser does, and a seek lands no further. Without it the media never ends.
   */
  readonly durationS?: number;
}

/** How often a playing player with an end looks whether it got there (ms). */
const END_CHECK_MS = 5;

export const DEFAULT_FAKE_PLAYER: FakePlayerOptions = {
  startLatencyMs: 40,
  seekLatencyMs: 60,
  clockSpeed: 1,
  waitsOnStart: false,
  eventsEarlyMs: 0,
  falseStartMs: 0,
};

export class FakePlayer implements Player {
  readonly #clock: ManualClock;
  readonly #options: FakePlayerOptions;
  /** Media position at #since; advancing when #moving. */
  #position: number;
  #since: number;
  #moving = false;
  #paused = true;
  #rate = 1;
  #seekingUntil = Number.NEGATIVE_INFINITY;
  /** An interval in which the moving media holds still (a false start's pause). */
  #holdFrom = Number.NEGATIVE_INFINITY;
  #holdUntil = Number.NEGATIVE_INFINITY;
  #startTimer: number | null = null;
  #started = false;
  #stalled = false;
  #loadedAt: number;
  #autoplayBlocked: boolean;
  #endTimer: number | null = null;
  readonly #listeners = new Set<(event: PlayerEventType) => void>();
  /** Every event fired, with the true time: what the user would have seen happen. */
  readonly events: { type: PlayerEventType; at: number }[] = [];

  constructor(clock: ManualClock, options: Partial<FakePlayerOptions> = {}, position = 0) {
    this.#clock = clock;
    this.#options = { ...DEFAULT_FAKE_PLAYER, ...options };
    this.#position = position;
    this.#since = clock.now();
    this.#autoplayBlocked = this.#options.blocksAutoplay ?? false;
    this.#loadedAt = clock.now() + (this.#options.loadMs ?? 0);
    if (this.#options.loadMs) clock.setTimer(this.#options.loadMs, () => this.#fire("canplay"));
  }

  /** The true media position now. */
  get position(): number {
    const now = this.#clock.now();
    if (!this.#moving || this.#stalled || now < this.#seekingUntil) return this.#position;
    const from = Math.max(this.#since, this.#seekingUntil);
    const held = Math.max(0, Math.min(now, this.#holdUntil) - Math.max(from, this.#holdFrom));
    const position = this.#position +
      ((now - from - held) / 1000) * this.#rate * this.#options.clockSpeed;
    return Math.min(position, this.#options.durationS ?? Number.POSITIVE_INFINITY);
  }

  get ended(): boolean {
    const duration = this.#options.durationS;
    return duration !== undefined && this.position >= duration;
  }

  currentTime(): number {
    return this.position;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get canPlay(): boolean {
    return !this.#stalled && this.#clock.now() >= this.#loadedAt;
  }

  get rate(): number {
    return this.#rate;
  }

  get typicalLatencyMs(): { readonly start: number; readonly seek: number } | undefined {
    return this.#options.typicalLatencyMs;
  }

  play(): Promise<void> {
    if (this.#autoplayBlocked) {
      return Promise.reject(new DOMException("play() needs a user gesture", "NotAllowedError"));
    }
    if (!this.#paused) return Promise.resolve();
    // A browser's play() at the end starts the media over (HTML: "seek to the earliest
    // possible position"), a seek nobody asked for.
    if (this.ended) this.seek(0);
    this.#paused = false;
    this.#fire("play");
    if (this.#options.waitsOnStart) this.#fire("waiting");
    const seekLeftMs = this.#options.startWaitsForSeek
      ? Math.max(0, this.#seekingUntil - this.#clock.now())
      : 0;
    const startLatencyMs = this.#options.startLatencyMs + seekLeftMs +
      (this.#started ? 0 : this.#options.firstStartExtraMs ?? 0);
    this.#started = true;
    const early = Math.min(this.#options.eventsEarlyMs, startLatencyMs);
    const move = () => {
      this.#startTimer = null;
      this.#settle();
      this.#moving = true;
      this.#watchForEnd();
    };
    const falseStart = Math.min(this.#options.falseStartMs, early);
    this.#startTimer = this.#clock.setTimer(startLatencyMs - early, () => {
      this.#fire("playing");
      if (early === 0) return move();
      if (falseStart > 0) {
        // Runs a moment, holds, then runs for good at the start-up latency.
        move();
        const now = this.#clock.now();
        this.#holdFrom = now + falseStart;
        this.#holdUntil = now + early;
        return;
      }
      this.#startTimer = this.#clock.setTimer(early, move) as number;
    }) as number;
    return Promise.resolve();
  }

  pause(): void {
    if (this.#paused) return;
    this.#settle();
    this.#paused = true;
    this.#moving = false;
    if (this.#startTimer !== null) this.#clock.clearTimer(this.#startTimer);
    this.#startTimer = null;
    this.#stopEndWatch();
    this.#fire("pause");
  }

  seek(position: number): void {
    this.#settle();
    this.#position = Math.min(
      Math.max(0, position),
      this.#options.durationS ?? Number.POSITIVE_INFINITY,
    );
    this.#since = this.#clock.now();
    const seekLatencyMs = (this.#paused ? this.#options.pausedSeekLatencyMs : undefined) ??
      this.#options.seekLatencyAt?.(position) ?? this.#options.seekLatencyMs;
    this.#seekingUntil = this.#clock.now() + seekLatencyMs;
    this.#fire("seeking");
    const early = Math.min(this.#options.eventsEarlyMs, seekLatencyMs);
    const falseStart = Math.min(this.#options.falseStartMs, early);
    if (falseStart > 0) {
      // From "seeked" it runs a moment, holds, then runs for good at the seek latency.
      const seeked = this.#clock.now() + seekLatencyMs - early;
      this.#holdFrom = seeked + falseStart;
      this.#holdUntil = this.#seekingUntil;
      this.#seekingUntil = seeked;
    }
    this.#clock.setTimer(seekLatencyMs - early, () => this.#fire("seeked"));
  }

  /** Every rate set, with whether the pitch was kept, for tests to read. */
  readonly rateChanges: { readonly rate: number; readonly keepPitch: boolean }[] = [];
  #stretching = false;

  setRate(rate: number, keepPitch = true): void {
    this.#settle();
    this.rateChanges.push({ rate, keepPitch });
    const stretching = rate !== 1 && keepPitch;
    if (stretching && !this.#stretching && this.#moving) {
      this.#position = Math.max(
        0,
        this.#position - (this.#options.pitchKeepingSetsBackMs ?? 0) / 1000,
      );
    }
    this.#stretching = stretching;
    this.#rate = rate;
  }

  on(listener: (event: PlayerEventType) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // --- what the user or the network does to it ---

  /** The user presses play/pause or seeks: the same calls, seen as the user's by the client. */
  readonly user = {
    play: () => this.play(),
    pause: () => this.pause(),
    seek: (position: number) => this.seek(position),
  };

  /**
   * The page gave it new media (a new src): stopped at 0 without a "pause" (a browser's load
   * of a new source fires none), able to play `loadMs` later ("canplay" then).
   */
  loadNew(loadMs = this.#options.loadMs ?? 0): void {
    if (this.#startTimer !== null) this.#clock.clearTimer(this.#startTimer);
    this.#startTimer = null;
    this.#stopEndWatch();
    this.#paused = true;
    this.#moving = false;
    this.#position = 0;
    this.#since = this.#clock.now();
    this.#seekingUntil = Number.NEGATIVE_INFINITY;
    this.#loadedAt = this.#clock.now() + loadMs;
    this.#fire("emptied");
    this.#clock.setTimer(loadMs, () => this.#fire("canplay"));
  }

  /** The user clicked: from now on play() is allowed (as after a gesture in a browser). */
  grantGesture(): void {
    this.#autoplayBlocked = false;
  }

  /** The player runs out of data for `ms`: it stops moving and says "waiting", then resumes. */
  stall(ms: number): void {
    if (this.#paused) return;
    this.#settle();
    this.#stalled = true;
    this.#fire("waiting");
    this.#clock.setTimer(ms, () => {
      this.#settle();
      this.#stalled = false;
      this.#fire("canplay");
      this.#fire("playing");
    });
  }

  /** While it plays, a media with an end is watched for reaching it. */
  #watchForEnd(): void {
    const duration = this.#options.durationS;
    if (duration === undefined || this.#endTimer !== null) return;
    const check = () => {
      this.#endTimer = null;
      if (this.#paused || !this.#moving) return;
      if (this.position < duration) {
        this.#endTimer = this.#clock.setTimer(END_CHECK_MS, check) as number;
        return;
      }
      this.#settle();
      this.#paused = true;
      this.#moving = false;
      this.#fire("pause");
      this.#fire("ended");
    };
    this.#endTimer = this.#clock.setTimer(END_CHECK_MS, check) as number;
  }

  #stopEndWatch(): void {
    if (this.#endTimer !== null) this.#clock.clearTimer(this.#endTimer);
    this.#endTimer = null;
  }

  #settle(): void {
    this.#position = this.position;
    this.#since = Math.max(this.#clock.now(), this.#seekingUntil);
  }

  #fire(type: PlayerEventType): void {
    this.events.push({ type, at: this.#clock.now() });
    // Browsers fire media events from a task, never inside the call that caused them.
    this.#clock.setTimer(0, () => {
      for (const listener of this.#listeners) listener(type);
    });
  }
}
