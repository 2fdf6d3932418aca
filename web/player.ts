/// <reference lib="dom" />
/**
 * The room's video: loads the room's media (HLS through hls.js, fetched only when the browser
 * cannot play HLS itself), hands the element to the sync client once it has a source, and
 * gives members what they may touch: volume, mute, full screen, "Back in sync" when they held
 * their own player, and "Start watching" when the browser blocked autoplay. Whoever may control
 * playback (the host, co-hosts, everyone) gets the native controls.
 */
import type { FollowState } from "../client/mod.ts";
import { byId, storage } from "./dom.ts";
import type { MediaProblem } from "./media_check.ts";
import { checkMediaHere } from "./media_probe.ts";
import { isHlsUrl } from "./urls.ts";

type HlsModule = typeof import("hls.js");
type Hls = InstanceType<HlsModule["default"]>;

export interface SyncTarget {
  attachVideo(element: HTMLMediaElement): void;
  detachPlayer(): void;
  resync(): void;
  /** The media failed to load (true), or is loaded again (false): the room is told. */
  reportMediaError(failed: boolean): void;
}

/** Said while the page works out why the media failed, and when it finds nothing wrong. */
const GENERIC_FAILURE =
  "This video could not be played. The link may be wrong, offline, or in a format this browser cannot play.";

export class RoomPlayer {
  readonly video = byId("video", HTMLVideoElement);
  readonly #stage = byId("stage");
  readonly #message = byId("stage-message");
  readonly #startWatching = byId("start-watching", HTMLButtonElement);
  readonly #controls = byId("member-controls");
  readonly #mute = byId("mute", HTMLButtonElement);
  readonly #volume = byId("volume", HTMLInputElement);
  readonly #fullscreen = byId("fullscreen", HTMLButtonElement);
  readonly #resync = byId("resync", HTMLButtonElement);
  readonly #problem = byId("media-problem");
  readonly #problemText = byId("media-problem-text");
  readonly #retry = byId("retry-media", HTMLButtonElement);
  readonly #sync: SyncTarget;
  readonly #onProblem: (problem: string | null) => void;
  /** The media failed to load: what is wrong with it (until a retry or another source). */
  #failure: string | null = null;
  #url: string | null = null;
  #itemId: string | null = null;
  #hls: Hls | null = null;
  /** Bumped on every load, so a slow hls.js import cannot attach an old source. */
  #generation = 0;
  #isController = false;
  #follow: FollowState = "idle";
  readonly #check: (url: string) => Promise<MediaProblem | null>;

  constructor(
    sync: SyncTarget,
    onProblem: (problem: string | null) => void = () => {},
    check: (url: string) => Promise<MediaProblem | null> = checkMediaHere,
  ) {
    this.#sync = sync;
    this.#onProblem = onProblem;
    this.#check = check;
    this.#retry.addEventListener("click", () => this.retry());
    const video = this.video;
    const volume = Number(storage.get("owp.volume") ?? "1");
    video.volume = Number.isFinite(volume) ? Math.min(1, Math.max(0, volume)) : 1;
    video.muted = storage.get("owp.muted") === "true";
    this.#showVolume();
    video.addEventListener("volumechange", () => {
      storage.set("owp.volume", String(video.volume));
      storage.set("owp.muted", String(video.muted));
      this.#showVolume();
    });
    this.#mute.addEventListener("click", () => {
      video.muted = !video.muted;
      if (!video.muted && video.volume === 0) video.volume = 0.5;
    });
    this.#volume.addEventListener("input", () => {
      video.volume = Number(this.#volume.value);
      video.muted = video.volume === 0;
    });
    this.#resync.addEventListener("click", () => this.#sync.resync());
    this.#startWatching.addEventListener("click", () => {
      // A click is the gesture the browser wanted: resync() starts the player within it.
      this.#sync.resync();
      this.video.focus({ preventScroll: true });
    });
    if (document.fullscreenEnabled) {
      this.#fullscreen.addEventListener("click", () => this.#toggleFullscreen());
      video.addEventListener("dblclick", () => {
        if (!this.#isController) this.#toggleFullscreen();
      });
      document.addEventListener("fullscreenchange", () => this.#showFullscreen());
      this.#showFullscreen();
    } else {
      this.#fullscreen.hidden = true;
    }
    for (const type of ["loadeddata", "canplay", "playing"]) {
      video.addEventListener(type, () => {
        if (this.#url && !video.error) this.#say(null);
      });
    }
    video.addEventListener("error", () => {
      if (this.#url && !this.#hls) this.#failed();
    });
  }

  get url(): string | null {
    return this.#url;
  }

  /** What is wrong with the room's media, when it failed to load; null otherwise. */
  get failure(): string | null {
    return this.#failure;
  }

  /** "Try again": the same source, loaded afresh; the room hears we are loading again. */
  retry(): void {
    const url = this.#url;
    if (url === null) return;
    const itemId = this.#itemId;
    this.#sync.reportMediaError(false);
    this.#url = null;
    void this.load(url, itemId);
  }

  /**
   * The room's media; the item already loaded is left alone (`itemId`: which item of the room
   * it is, so the same link played again as a new item loads afresh).
   */
  async load(url: string | null, itemId: string | null = null): Promise<void> {
    if (url === this.#url && itemId === this.#itemId) return;
    this.unload();
    this.#url = url;
    this.#itemId = itemId;
    if (url === null) {
      this.#say(
        "This room has no video link. It was probably started from Jellyfin: open it there.",
      );
      return;
    }
    const generation = ++this.#generation;
    this.#say("Loading video…");
    const video = this.video;
    if (isHlsUrl(url) && !video.canPlayType("application/vnd.apple.mpegurl")) {
      let Hls: HlsModule["default"];
      try {
        ({ default: Hls } = await import("hls.js"));
      } catch {
        if (generation === this.#generation) this.#say("The HLS player could not be loaded.");
        return;
      }
      if (generation !== this.#generation) return;
      if (!Hls.isSupported()) {
        this.#say("This browser cannot play HLS streams.");
        this.#sync.reportMediaError(true);
        return;
      }
      const hls = new Hls();
      this.#hls = hls;
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal && this.#hls === hls) this.#failed();
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      video.src = url;
    }
    // After the source: the client sends `ready` once this player can play it.
    this.#sync.attachVideo(video);
  }

  /** No media: the player is released and the element emptied. */
  unload(): void {
    this.#generation++;
    this.#url = null;
    this.#itemId = null;
    this.#sync.detachPlayer();
    this.#hls?.destroy();
    this.#hls = null;
    this.#showFailure(null);
    const video = this.video;
    video.pause();
    if (video.hasAttribute("src")) {
      video.removeAttribute("src");
      video.load();
    }
    this.#say(null);
    if (document.fullscreenElement === this.#stage) void document.exitFullscreen();
  }

  /**
   * Whoever may control playback (the host, and co-hosts or everyone when the room says so)
   * drives with the native controls; the others only watch.
   */
  setController(controls: boolean): void {
    this.#isController = controls;
    this.video.controls = controls;
    this.#controls.hidden = controls;
    this.#stage.dataset.role = controls ? "controller" : "viewer";
    this.#showFollow();
  }

  setFollow(follow: FollowState): void {
    if (follow === this.#follow) return;
    this.#follow = follow;
    this.#showFollow();
  }

  #showFollow(): void {
    const member = !this.#isController;
    this.#resync.hidden = !(member && this.#follow === "held");
    // A host too: its page reloaded mid-film and the browser refused the catch-up start.
    this.#startWatching.hidden = this.#follow !== "blocked";
  }

  /**
   * The media failed (a video error, a fatal hls.js error): the room stops waiting for us at
   * once, and the page finds out why (the lobby's link check) to say it in words.
   */
  #failed(): void {
    const url = this.#url;
    if (url === null || this.#failure !== null) return;
    const generation = this.#generation;
    this.#sync.reportMediaError(true);
    this.#say(null);
    this.#showFailure(GENERIC_FAILURE);
    void this.#check(url).then(
      (problem) => {
        if (generation === this.#generation && problem) this.#showFailure(problem.message);
      },
      () => {},
    );
  }

  #showFailure(text: string | null): void {
    this.#failure = text;
    this.#problem.hidden = text === null;
    if (this.#problemText.textContent !== (text ?? "")) this.#problemText.textContent = text ?? "";
    this.#onProblem(text);
  }

  #say(text: string | null): void {
    this.#message.hidden = text === null;
    this.#message.textContent = text ?? "";
    this.#stage.dataset.message = text === null ? "" : "shown";
  }

  #showVolume(): void {
    const video = this.video;
    const muted = video.muted || video.volume === 0;
    this.#mute.setAttribute("aria-pressed", String(muted));
    this.#mute.title = muted ? "Unmute" : "Mute";
    this.#volume.value = String(video.muted ? 0 : video.volume);
    this.#volume.setAttribute("aria-valuetext", `${Math.round(Number(this.#volume.value) * 100)}%`);
  }

  #toggleFullscreen(): void {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void this.#stage.requestFullscreen().catch(() => {});
  }

  #showFullscreen(): void {
    const on = document.fullscreenElement === this.#stage;
    this.#fullscreen.title = on ? "Exit full screen" : "Full screen";
    this.#fullscreen.setAttribute("aria-pressed", String(on));
  }
}
