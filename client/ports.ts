/**
 * What the sync client needs from the world, as small interfaces: a local clock with timers,
 * a way to open a WebSocket, and a media player. The browser provides them in production
 * (client/browser.ts); tests provide simulated ones on a manual clock, so the whole client
 * runs deterministically against the real room logic.
 */

/** Local monotonic time in ms, and timers on it. */
export interface LocalClock {
  now(): number;
  setTimeout(fire: () => void, delayMs: number): number;
  clearTimeout(handle: number): void;
}

export interface SocketHandlers {
  onOpen(): void;
  onMessage(text: string): void;
  onClose(code: number, reason: string): void;
}

/** An open (or opening) WebSocket. */
export interface ClientSocket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => ClientSocket;

/** What a media element reports; the client tells its own actions from the user's. */
export type PlayerEventType =
  | "play"
  | "playing"
  | "pause"
  | "seeking"
  | "seeked"
  | "waiting"
  | "canplay"
  | "ended"
  | "emptied";

/** A media player, reduced to what synchronisation needs (a <video> element fits). */
export interface Player {
  /** Seconds into the media now. */
  currentTime(): number;
  readonly paused: boolean;
  /**
   * It played to the end of the media (a browser pauses there by itself, and says "pause"
   * before "ended": that pause is nobody's hand).
   */
  readonly ended: boolean;
  /** Enough is buffered to start playing (HAVE_FUTURE_DATA or better). */
  readonly canPlay: boolean;
  /** Resolves once playback is under way; rejects when the browser refuses (autoplay). */
  play(): Promise<void>;
  pause(): void;
  seek(position: number): void;
  /**
   * `keepPitch` false (a short correction around rate 1): the rate may change the pitch. A
   * browser that keeps the pitch time-stretches, and Chromium's time-stretching sets the media
   * clock back 25 ms each time it engages, more than a small correction is worth.
   */
  setRate(rate: number, keepPitch?: boolean): void;
  readonly rate: number;
  /**
   * How long this kind of player typically takes from play() until its media runs, and from
   * a seek while playing until it runs from the new position (ms): the client's first guess,
   * until it has measured its own. Optional.
   */
  readonly typicalLatencyMs?: { readonly start: number; readonly seek: number };
  /** Subscribes to the player's events; returns the unsubscribe function. */
  on(listener: (event: PlayerEventType) => void): () => void;
}
