/**
 * The words for the film's place (web/timeline.ts): clock times and the chat line of each
 * command and speed change. Pure, without the DOM, so a unit test reads them.
 */

/** Seconds as a clock: 0:05, 1:40, 1:02:03 (negative or unknown: 0:00). */
export function formatClock(seconds: number): string {
  const whole = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The commands a chat line is written for (a host's stall, `buffering`, is not one). */
export type NotedCommand = "play" | "pause" | "seek";

/** "Ann paused at 1:40", "You played from 0:00", "Bob jumped to 2:10". */
export function commandNote(who: string, action: NotedCommand, position: number): string {
  const at = formatClock(position);
  switch (action) {
    case "play":
      return `${who} played from ${at}`;
    case "pause":
      return `${who} paused at ${at}`;
    case "seek":
      return `${who} jumped to ${at}`;
  }
}

/** "Ann set the speed to 1.5×". */
export function rateNote(who: string, rate: number): string {
  return `${who} set the speed to ${Number(rate.toFixed(2))}×`;
}
