/**
 * Drives watch pages through their contract, the same way whichever page it is: the real
 * one (web/index.html, served by the session server) or the harness's test-only page. Both
 * take `?name=<name>&ws=<ws url>#room=<id>` and expose `window.owp = { client, video }`; only
 * creating a room differs (the real page's #create-form, or the client API on the test page).
 * Also reads every page's playback on the one machine clock and waits, with a deadline, for
 * members to be where the host is.
 */
import type { Page } from "playwright-core";
import type {
  MediaChoice,
  RoomOptionsChange,
  RoomView,
  SyncInfo,
} from "../../client/sync_client.ts";
import type { BrowserHarness } from "./harness.ts";
import { PROJECT_ROOT } from "./web_build.ts";

/** The parts of a <video> the tests touch (typed here: Deno's checker has no DOM lib). */
export interface VideoElement {
  currentTime: number;
  playbackRate: number;
  readonly paused: boolean;
  readonly seeking: boolean;
  readonly readyState: number;
  readonly duration: number;
  readonly ended: boolean;
  play(): Promise<void>;
  pause(): void;
}

/** What a watch page puts on `window`, as seen from page.evaluate callbacks. */
export interface PageGlobals {
  owp?: {
    client: {
      readonly room: RoomView | null;
      readonly clientId: string | null;
      readonly syncInfo: SyncInfo;
      createRoom(options: { name?: string; mediaUrl?: string }): void;
      joinRoom(id: string): void;
      resync(): void;
      setRoomOptions(change: RoomOptionsChange): void;
      transferHost(clientId: string): void;
      queueAdd(media: MediaChoice): void;
      queueRemove(itemId: string): void;
    };
    video: VideoElement;
  };
  /** The upstream-arithmetic test page (tests/browser/legacy_page.ts). */
  legacy?: { video: VideoElement; roomId: string | null };
  document: {
    querySelector(selector: string): { click(): void; checkVisibility?(): boolean } | null;
  };
}

export type PageKind = "real" | "test";

/** The real page has landed once web/index.html has the lobby's #create-form. */
export function realPageAvailable(): boolean {
  try {
    return /id=["']?create-form\b/.test(Deno.readTextFileSync(`${PROJECT_ROOT}web/index.html`));
  } catch {
    return false;
  }
}

/** OWP_WATCH_PAGE=real|test chooses; otherwise the real page when it exists. */
export function defaultPageKind(): PageKind {
  const wanted = Deno.env.get("OWP_WATCH_PAGE");
  if (wanted === "real" || wanted === "test") return wanted;
  return realPageAvailable() ? "real" : "test";
}

export interface OpenOptions {
  readonly name: string;
  /** WebSocket override (the delay proxy); the page's default otherwise. */
  readonly ws?: string;
  /** Deep-link join. */
  readonly room?: string;
  /** Runs on the new page before it loads (init scripts, listeners). */
  readonly beforeLoad?: (page: Page) => Promise<unknown>;
}

/** One reading of a page's player, with the machine-clock instant it was taken at. */
export interface PlaybackReading {
  readonly atMs: number;
  readonly position: number;
  readonly paused: boolean;
  readonly seeking: boolean;
  readonly rate: number;
  readonly readyState: number;
  readonly follow: string;
  readonly roomId: string | null;
}

export class WatchPages {
  constructor(readonly harness: BrowserHarness, readonly kind: PageKind = defaultPageKind()) {}

  url(options: OpenOptions): string {
    const base = this.kind === "real" ? `${this.harness.serverUrl}/` : this.harness.testPageUrl;
    const query = new URLSearchParams({ name: options.name });
    // The test page lives on the static server: its own origin has no /ws.
    const ws = options.ws ?? (this.kind === "test" ? this.harness.wsUrl : undefined);
    if (ws) query.set("ws", ws);
    const hash = options.room ? `#room=${encodeURIComponent(options.room)}` : "";
    return `${base}?${query}${hash}`;
  }

  /** A new page (a new person) at the watch page, its client started. */
  async open(options: OpenOptions): Promise<Page> {
    const page = await this.harness.newPage();
    await options.beforeLoad?.(page);
    await page.goto(this.url(options));
    await waitForClient(page);
    if (options.room) await this.#joined(page, options.room);
    return page;
  }

  /** Creates a room playing the test video; resolves with its id once this page hosts it. */
  async createRoom(
    page: Page,
    roomName: string,
    mediaUrl = this.harness.videoUrl,
  ): Promise<string> {
    if (this.kind === "real") {
      await page.fill("#room-name", roomName);
      await page.fill("#media-url", mediaUrl);
      const submit = page.locator("#create-form [type=submit]");
      if (await submit.count() > 0) await submit.first().click();
      else {await page.locator("#create-form").evaluate((form) =>
          (form as unknown as { requestSubmit(): void }).requestSubmit()
        );}
    } else {
      await page.evaluate(([name, url]) => {
        (globalThis as unknown as PageGlobals).owp!.client.createRoom({ name, mediaUrl: url });
      }, [roomName, mediaUrl] as const);
    }
    const handle = await page.waitForFunction(() => {
      const room = (globalThis as unknown as PageGlobals).owp?.client.room;
      return room?.isHost ? room.id : null;
    });
    return await handle.jsonValue() as string;
  }

  /** Reloads a page (a member pressing F5) and waits until it is back in the room. */
  async reload(page: Page, roomId: string): Promise<void> {
    if (page.url().includes("#room=")) await page.reload();
    else await page.goto(this.url({ name: "reloaded", room: roomId }));
    await waitForClient(page);
    await this.#joined(page, roomId);
  }

  /**
   * In the room. A page may ask for a click before joining from an invite (the real page's
   * invite prompt): the join buttons of the contract are clicked when the page shows them.
   */
  async #joined(page: Page, roomId: string, attempts = 5): Promise<void> {
    const handle = await page.waitForFunction((id) => {
      const g = globalThis as unknown as PageGlobals;
      if (g.owp?.client.room?.id === id) return "joined";
      const visible = (selector: string) => {
        const element = g.document.querySelector(selector);
        return element && (element.checkVisibility?.() ?? true) ? selector : null;
      };
      return visible("#invite-join") ?? visible(`li[data-room-id="${id}"] button[data-join]`);
    }, roomId);
    const state = await handle.jsonValue() as string;
    if (state === "joined") return;
    // The page may join (or redraw its list) between the check and the click, hiding the button:
    // a click that finds it gone is retried from the check, not failed.
    const clicked = await page.locator(state).click({ timeout: 2_000 }).then(
      () => true,
      () => false,
    );
    if (!clicked && attempts > 1) return await this.#joined(page, roomId, attempts - 1);
    if (!clicked) throw new Error(`could not click ${state} to join ${roomId}`);
    await page.waitForFunction(
      (id) => (globalThis as unknown as PageGlobals).owp?.client.room?.id === id,
      roomId,
    );
  }
}

/** What a person does to a page's player: play, pause, or seek to a position (seconds). */
export type PlayerAction = "play" | "pause" | number;

/**
 * The person at `page` acts on its <video> (as its native controls would); the page's client
 * tells the room. The page may hold a start for the room's play (it pauses the player at
 * once): a play() paused before it started rejects with AbortError, as a control's does.
 */
export function playerDoes(page: Page, action: PlayerAction): Promise<void> {
  return page.evaluate(async (what) => {
    const video = (globalThis as unknown as PageGlobals).owp!.video;
    if (what === "play") {
      await video.play().catch((error: Error) => {
        if (error.name !== "AbortError") throw error;
      });
    } else if (what === "pause") video.pause();
    else video.currentTime = what;
  }, action);
}

/**
 * Until the input `selector` holds text containing `part` (a function predicate: the page's
 * Content-Security-Policy forbids the eval a string predicate needs when polled).
 */
export async function waitForInputValue(
  page: Page,
  selector: string,
  part: string,
  timeoutMs = 15_000,
): Promise<void> {
  await page.waitForFunction(
    ([sel, text]) => {
      const { document } = globalThis as unknown as {
        document: { querySelector(s: string): { value?: string } | null };
      };
      return (document.querySelector(sel)?.value ?? "").includes(text);
    },
    [selector, part] as const,
    { timeout: timeoutMs },
  );
}

/** The room the page's client is in, as the client sees it (null in the lobby). */
export function roomOf(page: Page) {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).owp!.client.room);
}

/** Until the page's client exists and has its id from the server. */
export async function waitForClient(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    (globalThis as unknown as PageGlobals).owp?.client.clientId != null
  );
}

/**
 * Until the room has `count` members, each of whose players has said it can play (`ready`),
 * as the server in this process sees it.
 */
export async function waitForEveryoneReady(
  harness: BrowserHarness,
  roomId: string,
  count: number,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const snapshot = harness.server.registry.get(roomId)?.snapshot();
    if (
      snapshot && snapshot.memberIds.length === count &&
      snapshot.memberIds.every((id) => snapshot.readyIds.includes(id))
    ) return;
    if (performance.now() > deadline) {
      throw new Error(
        `room ${roomId} not ready after ${timeoutMs} ms: ${
          snapshot ? `${snapshot.readyIds.length}/${snapshot.memberIds.length} ready` : "no room"
        }`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function readPlayback(page: Page): Promise<PlaybackReading> {
  return await page.evaluate(() => {
    const { owp, legacy } = globalThis as unknown as PageGlobals;
    const video = owp?.video ?? legacy!.video;
    return {
      atMs: performance.timeOrigin + performance.now(),
      position: video.currentTime,
      paused: video.paused,
      seeking: video.seeking,
      rate: video.playbackRate,
      readyState: video.readyState,
      follow: owp ? owp.client.syncInfo.follow : "upstream",
      roomId: owp ? owp.client.room?.id ?? null : legacy!.roomId,
    };
  });
}

/** Where a reading's player is at `atMs` (the same instant for every page: one machine clock). */
export function positionAt(reading: PlaybackReading, atMs: number): number {
  if (reading.paused || reading.seeking) return reading.position;
  return reading.position + ((atMs - reading.atMs) / 1000) * reading.rate;
}

export interface SyncExpectation {
  /** Whether everyone should be playing (true) or paused (false). */
  readonly playing: boolean;
  /** Largest allowed |member − host|, seconds. */
  readonly toleranceS: number;
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Where the host should be, roughly (paused states): within toleranceS. */
  readonly near?: number;
}

export interface SyncVerdict {
  readonly ok: boolean;
  readonly offsetsS: number[];
  readonly readings: PlaybackReading[];
  readonly why: string;
}

/** One look at everyone: are members playing (or paused) within the tolerance of the host? */
export async function judgeSync(
  host: Page,
  members: Page[],
  expect: Omit<SyncExpectation, "timeoutMs">,
): Promise<SyncVerdict> {
  const readings = await Promise.all([host, ...members].map(readPlayback));
  const at = Math.max(...readings.map((r) => r.atMs));
  const hostReading = readings[0]!;
  const hostPosition = positionAt(hostReading, at);
  const offsetsS = readings.slice(1).map((r) => positionAt(r, at) - hostPosition);
  const problems: string[] = [];
  readings.forEach((reading, i) => {
    const who = i === 0 ? "host" : `member ${i}`;
    if (reading.paused === expect.playing) {
      problems.push(`${who} is ${reading.paused ? "paused" : "playing"}`);
    }
    if (reading.seeking) problems.push(`${who} is seeking`);
  });
  offsetsS.forEach((offset, i) => {
    if (!(Math.abs(offset) <= expect.toleranceS)) {
      problems.push(`member ${i + 1} is ${(offset * 1000).toFixed(0)} ms from the host`);
    }
  });
  if (expect.near !== undefined && !(Math.abs(hostPosition - expect.near) <= expect.toleranceS)) {
    problems.push(`host at ${hostPosition.toFixed(3)} s, not near ${expect.near} s`);
  }
  return { ok: problems.length === 0, offsetsS, readings, why: problems.join("; ") };
}

/**
 * Polls everyone until members are where the host is (twice in a row, so a passing glance
 * does not count), or throws at the deadline with what was last seen.
 */
export async function waitForSync(
  host: Page,
  members: Page[],
  expect: SyncExpectation,
): Promise<SyncVerdict> {
  const deadline = performance.now() + expect.timeoutMs;
  let streak = 0;
  for (;;) {
    const verdict = await judgeSync(host, members, expect);
    streak = verdict.ok ? streak + 1 : 0;
    if (streak >= 2) return verdict;
    if (performance.now() > deadline) {
      const seen = verdict.readings.map((r) =>
        `${r.paused ? "paused" : "playing"} at ${r.position.toFixed(3)} (${r.follow})`
      );
      throw new Error(
        `not in sync after ${expect.timeoutMs} ms: ${verdict.why || "flapping"}; seen: ${
          seen.join(", ")
        }`,
      );
    }
    // The next look (a poll interval, not a wait for something that could be awaited).
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What `recordTrouble` saw on a page. */
export interface TroubleSeen {
  /** Every room_closed our client reported (none on the upstream stand-in page). */
  readonly closedRooms: unknown[];
  /** Every 20 ms sample (page clock, epoch ms) at which the page's video was paused. */
  readonly pausedAt: number[];
}

/**
 * From now on, records on `page` (ours, or the upstream stand-in) what a restart or a moved
 * room must not cause: its room closing, its video pausing. Read it with `troubleSeen`.
 */
export async function recordTrouble(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals & { trouble: TroubleSeen };
    const video = g.owp?.video ?? g.legacy!.video;
    const trouble: TroubleSeen = { closedRooms: [], pausedAt: [] };
    g.trouble = trouble;
    const client = g.owp?.client as unknown as
      | { on(event: string, listener: (e: unknown) => void): void }
      | undefined;
    client?.on("roomClosed", (event) => trouble.closedRooms.push(event));
    setInterval(() => {
      if (video.paused) trouble.pausedAt.push(Date.now());
    }, 20);
  });
}

export function troubleSeen(page: Page): Promise<TroubleSeen> {
  return page.evaluate(() => (globalThis as unknown as { trouble: TroubleSeen }).trouble);
}
