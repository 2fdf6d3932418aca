/// <reference lib="dom" />
/**
 * The browser's side of web/media_check.ts: its fetch, and a detached <video> that loads a
 * link's metadata (nothing is shown or played, and it is emptied afterwards).
 */
import { checkMedia, type MediaProblem, type ProbeResult } from "./media_check.ts";

export function probeVideo(url: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const video = document.createElement("video");
    video.muted = true;
    video.preload = "metadata";
    const done = (result: ProbeResult) => {
      clearTimeout(timer);
      video.removeAttribute("src");
      video.load();
      resolve(result);
    };
    const timer = setTimeout(() => done("timeout"), timeoutMs);
    video.addEventListener("loadedmetadata", () => done("ok"), { once: true });
    video.addEventListener("error", () => done("error"), { once: true });
    video.src = url;
  });
}

/** Null when the link plays in this browser; otherwise what is wrong with it. */
export function checkMediaHere(url: string): Promise<MediaProblem | null> {
  return checkMedia(url, {
    fetch: (input, init) => fetch(input, init),
    probeVideo,
    pageOrigin: location.origin,
    nativeHls: document.createElement("video").canPlayType("application/vnd.apple.mpegurl") !== "",
  });
}
