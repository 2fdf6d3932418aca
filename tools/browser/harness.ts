/**
 * Everything a browser test or the sync benchmark needs, started together and stopped
 * together: the page built into a temporary web root, the session server in this process on a
 * loopback port (real clock), the test video behind a static server with Range support (which
 * also serves the test-only pages and the bundles), and Chromium.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Clock } from "../../rooms/clock.ts";
import { createSessionServer, type SessionServer } from "../../server/app.ts";
import { defaultConfig } from "../../server/config.ts";
import { type Logger, silentLogger } from "../../server/log.ts";
import { openStore } from "../../store/open_store.ts";
import { launchChromium } from "./chromium.ts";
import { startStaticServer, type StaticServer } from "./static_server.ts";
import { ensureTestVideo } from "./test_video.ts";
import { TEST_PAGE_HTML, TEST_PAGE_PATH } from "./test_page.ts";
import { buildWebRoot, type WebRoot } from "./web_build.ts";

export interface HarnessOptions {
  /** Server environment on top of the defaults (ALLOWED_ORIGINS gets the static origin). */
  readonly env?: Record<string, string>;
  /** Test-only scripts to bundle with the page (paths from the project root). */
  readonly extraEntries?: string[];
  /** Test-only pages to serve from the static server: URL path → HTML. */
  readonly pages?: Readonly<Record<string, string>>;
  /** Seconds of test video (default 40). */
  readonly videoDurationS?: number;
  readonly log?: Logger;
  /** The server's clock (default: a SystemClock of its own); the benchmark reads it too. */
  readonly clock?: Clock;
  /** Extra Chromium flags. */
  readonly chromiumArgs?: string[];
}

export interface BrowserHarness {
  readonly webRoot: WebRoot;
  /** The session server now (a new one after `restartServer`). */
  readonly server: SessionServer;
  /** The session server: http://127.0.0.1:<port> (its watch page is at /). */
  readonly serverUrl: string;
  /** ws://127.0.0.1:<port>/ws */
  readonly wsUrl: string;
  /** The static server: test pages, /dist/<bundle>.js, the video. */
  readonly files: StaticServer;
  /** The test video's URL on the static server. */
  readonly videoUrl: string;
  /** The test-only watch page's URL (no query, no hash). */
  readonly testPageUrl: string;
  readonly browser: Browser;
  /** A page in a fresh context of its own: a separate person, with its own storage. */
  newPage(): Promise<Page>;
  /**
   * Stops the session server as a SIGTERM does and starts a new one on the same port: a
   * restart. Without DATA_DIR the rooms close (sockets 1001) and nothing of the old server's
   * memory is left; with it they are saved (sockets 1012) and open again in the new one.
   */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

const VIDEO_PATH = "/media/test.webm";

export async function startHarness(options: HarnessOptions = {}): Promise<BrowserHarness> {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error("harness cleanup failed:", error);
      }
    }
  };
  try {
    const [webRoot, video] = await Promise.all([
      buildWebRoot(options.extraEntries ?? []),
      ensureTestVideo({ durationS: options.videoDurationS }),
    ]);
    cleanups.push(() => webRoot.remove());
    const pages = { [TEST_PAGE_PATH]: TEST_PAGE_HTML, ...options.pages };
    for (const [path, html] of Object.entries(pages)) {
      const file = `${webRoot.dir}${path}`;
      await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(file, html);
    }
    const files = startStaticServer({ root: webRoot.dir, files: { [VIDEO_PATH]: video } });
    cleanups.push(() => files.close());

    // With DATA_DIR in `env`, rooms are kept there: a restart brings them back.
    const startServer = async () => {
      const config = defaultConfig({ ALLOWED_ORIGINS: files.origin, ...options.env });
      const opened = await openStore(config);
      return createSessionServer({
        config,
        log: options.log ?? silentLogger,
        webRoot: webRoot.url,
        clock: options.clock,
        store: opened.store,
        savedRooms: opened.savedRooms,
        resumeSecret: opened.resumeSecret,
      });
    };
    let server = await startServer();
    const listen = (port: number) =>
      Deno.serve(
        { port, hostname: "127.0.0.1", onListen: () => {} },
        (request, info) => server.fetch(request, info),
      );
    let http = listen(0);
    const port = http.addr.port;
    const stopServer = async () => {
      await server.drain(1_000);
      await http.shutdown();
    };
    cleanups.push(() => stopServer());
    const serverUrl = `http://127.0.0.1:${port}`;

    const browser = await launchChromium(options.chromiumArgs);
    const contexts: BrowserContext[] = [];
    // Closed first (cleanups run in reverse): its connections end, so the servers can stop.
    cleanups.push(async () => {
      await Promise.all(contexts.map((context) => context.close().catch(() => {})));
      await browser.close();
    });

    return {
      webRoot,
      get server() {
        return server;
      },
      serverUrl,
      wsUrl: `ws://127.0.0.1:${port}/ws`,
      files,
      videoUrl: `${files.origin}${VIDEO_PATH}`,
      testPageUrl: `${files.origin}${TEST_PAGE_PATH}`,
      browser,
      async newPage() {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        contexts.push(context);
        return await context.newPage();
      },
      async restartServer() {
        await stopServer();
        server = await startServer();
        http = listen(port);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
