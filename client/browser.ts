/**
 * The browser's side of the ports: the page's monotonic clock, the WebSocket, and a <video>
 * (or <audio>) element as a Player.
 */
/// <reference lib="dom" />
import type { ClientSocket, LocalClock, Player, PlayerEventType, SocketHandlers } from "./ports.ts";

/** performance.now() on the epoch: monotonic, so a wall-clock step moves nothing. */
export const browserClock: LocalClock = {
  now: () => performance.timeOrigin + performance.now(),
  // Browsers' timer handles are numbers (Node's type definitions, loaded for the server's
  // npm packages, say otherwise).
  setTimeout: (fire, delayMs) =>
    globalThis.setTimeout(fire, Math.max(0, delayMs)) as unknown as number,
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
};

export function openBrowserSocket(url: string, handlers: SocketHandlers): ClientSocket {
  const socket = new WebSocket(url);
  socket.addEventListener("open", () => handlers.onOpen());
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string") handlers.onMessage(event.data);
  });
  socket.addEventListener("close", (event) => handlers.onClose(event.code, event.reason));
  return {
    send: (text) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
    },
    close: (code, reason) => socket.close(code, reason),
  };
}

const EVENTS: readonly PlayerEventType[] = [
  "play",
  "playing",
  "pause",
  "seeking",
  "seeked",
  "waiting",
  "canplay",
  "ended",
  "emptied",
];

/**
 * A media element's typical latencies, measured in Chromium (sync benchmark, bench/README.md):
 * play() until the media runs 65–115 ms (about 80), a seek while playing until it runs from
 * the new position 85–155 ms (about 115). The media clock runs 65–95 ms after "playing" or
 * "seeked" fires.
 */
const MEDIA_ELEMENT_LATENCY_MS = Object.freeze({ start: 80, seek: 115 });

/** A media element as a Player. */
export class MediaElementPlayer implements Player {
  readonly typicalLatencyMs: { readonly start: number; readonly seek: number } =
    MEDIA_ELEMENT_LATENCY_MS;

  constructor(readonly element: HTMLMediaElement) {}

  currentTime(): number {
    return this.element.currentTime;
  }

  get paused(): boolean {
    return this.element.paused;
  }

  get ended(): boolean {
    return this.element.ended;
  }

  get canPlay(): boolean {
    return this.element.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA;
  }

  play(): Promise<void> {
    return this.element.play();
  }

  pause(): void {
    this.element.pause();
  }

  seek(position: number): void {
    const duration = this.element.duration;
    this.element.currentTime = Number.isFinite(duration)
      ? Math.min(position, Math.max(0, duration - 0.05))
      : position;
  }

  setRate(rate: number, keepPitch = true): void {
    const element = this.element;
    // Pitch preservation is switched on only at the new rate and off before it: never
    // time-stretching at a correction's rate, whose cost (25 ms in Chromium) it exists to avoid.
    if (!keepPitch && element.preservesPitch) element.preservesPitch = false;
    if (element.playbackRate !== rate) element.playbackRate = rate;
    if (keepPitch && !element.preservesPitch) element.preservesPitch = true;
  }

  get rate(): number {
    return this.element.playbackRate;
  }

  on(listener: (event: PlayerEventType) => void): () => void {
    const handlers = EVENTS.map((type) => {
      const handler = () => listener(type);
      this.element.addEventListener(type, handler);
      return [type, handler] as const;
    });
    return () => {
      for (const [type, handler] of handlers) this.element.removeEventListener(type, handler);
    };
  }
}
