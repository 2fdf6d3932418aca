/**
 * The test video: WebM (VP8 + Vorbis), 640x360, 25 fps, a keyframe every second, with the
 * frame number and time burnt in (when a font is there), made once by Debian's ffmpeg and
 * cached in /tmp under a key of everything that shapes it. Keyframes every second keep seeks
 * cheap; the audio track gives Chromium the audio clock real films have.
 */
import { join } from "node:path";
import { onPath } from "./chromium.ts";

export interface TestVideoOptions {
  /** Seconds of media (default 40). */
  readonly durationS?: number;
  /** Where to cache it (default the system's temporary folder, /tmp). */
  readonly cacheDir?: string;
}

const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;

function fontAvailable(): boolean {
  try {
    return Deno.statSync(FONT).isFile;
  } catch {
    return false;
  }
}

/** ffmpeg's arguments for the video, without the output path. */
export function ffmpegArgs(durationS: number, withText: boolean): string[] {
  const text = withText
    ? [
      "-vf",
      `drawtext=fontfile=${FONT}:text='frame %{frame_num}  %{pts\\:hms}':x=20:y=${HEIGHT - 60}` +
      ":fontsize=28:fontcolor=white:box=1:boxcolor=black@0.7",
    ]
    : [];
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    `testsrc=size=${WIDTH}x${HEIGHT}:rate=${FPS}:duration=${durationS}`,
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=440:sample_rate=48000:duration=${durationS}`,
    ...text,
    "-c:v",
    "libvpx",
    "-deadline",
    "realtime",
    "-cpu-used",
    "8",
    "-b:v",
    "500k",
    "-g",
    String(FPS),
    "-keyint_min",
    String(FPS),
    "-auto-alt-ref",
    "0",
    "-c:a",
    "libvorbis",
    "-q:a",
    "1",
    "-f",
    "webm",
  ];
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The video's path, made now unless a cached copy with the same key exists. */
export async function ensureTestVideo(options: TestVideoOptions = {}): Promise<string> {
  const durationS = options.durationS ?? 40;
  const ffmpeg = onPath("ffmpeg");
  if (!ffmpeg) {
    throw new Error("ffmpeg not found: it makes the test video (apt-get install ffmpeg)");
  }
  const args = ffmpegArgs(durationS, fontAvailable());
  const version = await new Deno.Command(ffmpeg, { args: ["-version"], stdout: "piped" }).output();
  const firstLine = new TextDecoder().decode(version.stdout).split("\n")[0] ?? "";
  const key = (await sha256Hex(JSON.stringify([firstLine, args]))).slice(0, 16);
  const cacheDir = options.cacheDir ?? "/tmp";
  const path = join(cacheDir, `owp-test-video-${durationS}s-${key}.webm`);
  try {
    if ((await Deno.stat(path)).size > 0) return path;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  // Written beside and renamed into place: a parallel run never sees half a file.
  const partial = `${path}.${crypto.randomUUID()}.part`;
  const output = await new Deno.Command(ffmpeg, {
    args: [...args, partial],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    await Deno.remove(partial).catch(() => {});
    throw new Error(`ffmpeg failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  await Deno.rename(partial, path);
  return path;
}
