/**
 * A hand-written check for the frames a running party sends all the time (ping, state_update,
 * player_event, chat_message, ready): profiles put zod's generic walk at about a tenth of the
 * server's busy time on those. It only ever ACCEPTS, and only what the zod schemas accept with
 * the very same result; anything it is not sure of (a missing field, a wrong type, an unknown
 * type) returns undefined and goes to zod, which stays the source of truth and the author of
 * every error message. tests/unit/fast_path_test.ts checks the two agree on random frames.
 */
import { MAX_POSITION_SECONDS, MAX_REPORTED_RTT_MS, MAX_ROOM_ID_CHARS } from "./limits.ts";

type Fields = Record<string, unknown>;

/** What the envelope and payload checks proved, in the shape parseClientValue returns. */
export interface FastMessage {
  readonly type: string;
  readonly room: string | null;
  readonly ts: number;
  readonly payload: Fields;
  readonly rawPayload: unknown;
}

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A position zod accepts: a number in [0, MAX_POSITION_SECONDS]. */
function isPosition(value: unknown): value is number {
  return typeof value === "number" && value >= 0 && value <= MAX_POSITION_SECONDS;
}

/** `at_server_ts` as zod gives it (absent or null: null), or undefined when zod must judge it. */
function serverInstant(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return null;
  // JSON.parse reads 1e400 as Infinity, which zod's numbers refuse.
  return typeof value === "number" && value >= 0 && Number.isFinite(value) ? value : undefined;
}

function isPlayState(value: unknown): value is "playing" | "paused" {
  return value === "playing" || value === "paused";
}

/** The payload of a hot message type as zod would return it, or undefined. */
function payloadOf(type: string, raw: Fields): Fields | undefined {
  switch (type) {
    case "ping": {
      // Never an error: an unusable rtt_ms is simply null (the schema's catch).
      const rtt = raw.rtt_ms;
      const rttMs = typeof rtt === "number" && rtt >= 0 && rtt <= MAX_REPORTED_RTT_MS ? rtt : null;
      return { ...raw, rtt_ms: rttMs };
    }
    case "state_update": {
      const at = serverInstant(raw.at_server_ts);
      if (!isPosition(raw.position) || !isPlayState(raw.play_state) || at === undefined) return;
      return { ...raw, position: raw.position, play_state: raw.play_state, at_server_ts: at };
    }
    case "player_event": {
      const { action, deferred } = raw;
      if (action !== "play" && action !== "pause" && action !== "seek" && action !== "buffering") {
        return;
      }
      const at = serverInstant(raw.at_server_ts);
      if (!isPosition(raw.position) || at === undefined) return;
      if (deferred !== undefined && deferred !== null && typeof deferred !== "boolean") return;
      // deferred together with at_server_ts is an error: zod says which.
      if (deferred === true && at !== null) return;
      return {
        ...raw,
        action,
        position: raw.position,
        play_state: isPlayState(raw.play_state) ? raw.play_state : null,
        at_server_ts: at,
        deferred: deferred === true,
      };
    }
    case "chat_message":
      return typeof raw.text === "string" ? { ...raw, text: raw.text } : undefined;
    case "ready": {
      const state = raw.state ?? "ready";
      if (
        state !== "ready" && state !== "loading" && state !== "buffering" &&
        state !== "autoplay_blocked" && state !== "media_error" && state !== "ended"
      ) return;
      return { ...raw, state };
    }
  }
}

/**
 * The message zod would make of this parsed JSON, when the fast checks can vouch for it;
 * undefined sends the value through zod.
 */
export function fastParse(value: unknown): FastMessage | undefined {
  if (!isFields(value)) return;
  const { type, room, ts, payload } = value;
  if (typeof type !== "string" || typeof ts !== "number" || !Number.isFinite(ts)) return;
  if (room !== undefined && room !== null) {
    if (typeof room !== "string" || room.length > MAX_ROOM_ID_CHARS) return;
  }
  let fields: Fields;
  if (payload === undefined || payload === null) fields = {};
  // zod's copy of a payload leaves a "__proto__" key out; copying such a payload is zod's job.
  else if (isFields(payload) && !Object.hasOwn(payload, "__proto__")) fields = payload;
  else return;
  const checked = payloadOf(type, fields);
  if (checked === undefined) return;
  return { type, room: room ? room : null, ts, payload: checked, rawPayload: payload };
}
