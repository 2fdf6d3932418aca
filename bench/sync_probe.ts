/**
 * The sync benchmark's probe, injected into every page before its scripts run (Playwright's
 * addInitScript, which the page's Content-Security-Policy does not stop). It only watches:
 *
 * - every `intervalMs`, the machine clock (`performance.timeOrigin + performance.now()`, the
 *   same clock in every page of the machine) and the <video>'s position, play state, rate and
 *   seeking flag, read together;
 * - every `clockEveryMs`, the client's clock estimate and sync status;
 * - the <video>'s events, and every player_event the page's WebSocket receives (its target
 *   instant and position), by wrapping the WebSocket constructor.
 *
 * Everything stays in the page until the benchmark collects it at the end: nothing is sent
 * during the run that could disturb it. This function is serialised into the page: it may use
 * nothing from outside its own body.
 */

export interface ProbeOptions {
  readonly intervalMs: number;
  readonly clockEveryMs: number;
}

/** A player_event as the page received it. */
export interface WireRecord {
  readonly atMs: number;
  readonly action: string;
  readonly playState: string;
  readonly targetServerTs: number;
  readonly positionAtTarget: number;
}

export interface ClockRecord {
  readonly atMs: number;
  readonly offsetMs: number | null;
  readonly uncertaintyMs: number | null;
  readonly startLatencyMs: number;
  readonly follow: string;
  readonly driftMs: number | null;
}

export interface EventRecord {
  readonly atMs: number;
  readonly type: string;
  readonly position: number;
}

export interface ProbeData {
  /** Flat: atMs, position, moving (0/1: playing and not seeking), rate, per sample. */
  readonly samples: number[];
  /**
   * Flat: presentation instant (machine clock), media time, per video frame shown, from
   * requestVideoFrameCallback: what the viewer saw, to check currentTime against.
   */
  readonly frames: number[];
  readonly wire: WireRecord[];
  readonly clock: ClockRecord[];
  readonly events: EventRecord[];
}

/** Installed with page.addInitScript(installProbe, options). */
export function installProbe(options: ProbeOptions): void {
  interface Video {
    readonly currentTime: number;
    readonly paused: boolean;
    readonly seeking: boolean;
    readonly playbackRate: number;
    addEventListener(type: string, listener: () => void): void;
    requestVideoFrameCallback?(
      callback: (now: number, metadata: { presentationTime: number; mediaTime: number }) => void,
    ): number;
  }
  interface Client {
    readonly syncInfo: {
      readonly clock: { offsetMs: number; uncertaintyMs: number } | null;
      readonly startLatencyMs: number;
      readonly follow: string;
      readonly driftMs: number | null;
    };
  }
  type Socket = {
    addEventListener(type: string, listener: (event: { data: unknown }) => void): void;
  };
  const g = globalThis as unknown as {
    owp?: { client: Client; video: Video };
    __owpProbe?: ProbeData;
    WebSocket: new (url: string, protocols?: string | string[]) => Socket;
  };
  const now = () => performance.timeOrigin + performance.now();
  const data: ProbeData = { samples: [], frames: [], wire: [], clock: [], events: [] };
  g.__owpProbe = data;

  const Native = g.WebSocket;
  const Tapped = class
    extends (Native as unknown as new (url: string, protocols?: string | string[]) => Socket) {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener("message", (event) => {
        const atMs = now();
        if (typeof event.data !== "string" || !event.data.includes('"player_event"')) return;
        const message = JSON.parse(event.data);
        if (message.type !== "player_event") return;
        const p = message.payload;
        data.wire.push({
          atMs,
          action: p.action,
          playState: p.play_state,
          targetServerTs: p.target_server_ts,
          positionAtTarget: p.position_at_target,
        });
      });
    }
  };
  g.WebSocket = Tapped;

  let watched: Video | null = null;
  let ticks = 0;
  const everyClock = Math.max(1, Math.round(options.clockEveryMs / options.intervalMs));
  setInterval(() => {
    const owp = g.owp;
    if (!owp) return;
    const video = owp.video;
    if (video !== watched) {
      watched = video;
      for (
        const type of ["play", "playing", "pause", "seeking", "seeked", "waiting", "ratechange"]
      ) {
        video.addEventListener(type, () => {
          data.events.push({ atMs: now(), type, position: video.currentTime });
        });
      }
      const onFrame = (
        _now: number,
        metadata: { presentationTime: number; mediaTime: number },
      ) => {
        data.frames.push(performance.timeOrigin + metadata.presentationTime, metadata.mediaTime);
        video.requestVideoFrameCallback?.(onFrame);
      };
      video.requestVideoFrameCallback?.(onFrame);
    }
    data.samples.push(
      now(),
      video.currentTime,
      !video.paused && !video.seeking ? 1 : 0,
      video.playbackRate,
    );
    if (ticks++ % everyClock === 0) {
      const info = owp.client.syncInfo;
      data.clock.push({
        atMs: now(),
        offsetMs: info.clock?.offsetMs ?? null,
        uncertaintyMs: info.clock?.uncertaintyMs ?? null,
        startLatencyMs: info.startLatencyMs,
        follow: info.follow,
        driftMs: info.driftMs,
      });
    }
  }, options.intervalMs);
}
