/**
 * The client → server half of the contract (docs/protocol.md 1, 3): one zod schema for the
 * envelope and one for the payload of each message type. Types come from the schemas.
 */
import { z } from "zod";
import { type ErrorInfo, ERRORS, FIELD_MESSAGES, invalidField } from "./errors.ts";
import { fastParse } from "./fast_path.ts";
import { sanitizeTitle } from "./sanitize.ts";
import {
  DEFAULT_INVITE_TTL_S,
  MAX_INVITE_TTL_S,
  MAX_LIST_PAGE,
  MAX_MEDIA_TITLE_CHARS,
  MAX_MEDIA_URL_CHARS,
  MAX_NAME_CHARS,
  MAX_PASSWORD_CHARS,
  MAX_PLAYBACK_RATE,
  MAX_POSITION_SECONDS,
  MAX_REPORTED_RTT_MS,
  MAX_ROOM_ID_CHARS,
  MEDIA_ID_PATTERN,
  MIN_INVITE_TTL_S,
  MIN_PLAYBACK_RATE,
} from "./limits.ts";

const position = z
  .number({ error: FIELD_MESSAGES.position })
  .min(0, { error: FIELD_MESSAGES.position })
  .max(MAX_POSITION_SECONDS, { error: FIELD_MESSAGES.position })
  .meta({ description: "Seconds into the media." });

export const PlayStateSchema = z.enum(["playing", "paused"], { error: FIELD_MESSAGES.playState });
export type PlayState = z.infer<typeof PlayStateSchema>;

/** Extension: how a member's player is, more than ready or not (`ready` may carry it). */
export const ReadinessSchema = z.enum(
  ["loading", "ready", "buffering", "autoplay_blocked", "media_error", "ended"],
  { error: FIELD_MESSAGES.readiness },
);
export type Readiness = z.infer<typeof ReadinessSchema>;

/** Extension: who may control playback in a room. */
export const ControlPolicySchema = z.enum(["host", "cohosts", "everyone"], {
  error: FIELD_MESSAGES.control,
});
export type ControlPolicy = z.infer<typeof ControlPolicySchema>;

export const PlayerActionSchema = z.enum(["play", "pause", "seek", "buffering"], {
  error: FIELD_MESSAGES.action,
});
export type PlayerAction = z.infer<typeof PlayerActionSchema>;

/** Optional text field: absent or null means "not given"; any other non-string is an error. */
const optionalText = (message: string) => z.string({ error: message }).nullish();

const mediaId = z
  .string({ error: FIELD_MESSAGES.mediaId })
  .regex(MEDIA_ID_PATTERN, { error: FIELD_MESSAGES.mediaId })
  .nullish();

/** Only web URLs: a room's media URL ends up in every member's <video src>. */
function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

const mediaUrl = z
  .string({ error: FIELD_MESSAGES.mediaUrl })
  .max(MAX_MEDIA_URL_CHARS, { error: FIELD_MESSAGES.mediaUrl })
  .refine(isWebUrl, { error: FIELD_MESSAGES.mediaUrl })
  .nullish()
  .meta({ description: "Extension: the media every member plays (an http or https URL)." });

/** A media item to play now or later (set_media, queue_add): the URL is required there. */
const mediaItemPayload = z.looseObject({
  media_url: z
    .string({ error: FIELD_MESSAGES.mediaUrlRequired })
    .max(MAX_MEDIA_URL_CHARS, { error: FIELD_MESSAGES.mediaUrlRequired })
    .refine(isWebUrl, { error: FIELD_MESSAGES.mediaUrlRequired })
    .meta({ description: "The media (an http or https URL)." }),
  media_id: mediaId.transform((value) => value ?? null),
  title: z.string({ error: FIELD_MESSAGES.title })
    .refine((text) => [...text].length <= MAX_MEDIA_TITLE_CHARS, { error: FIELD_MESSAGES.title })
    .nullish()
    .transform((value) => sanitizeTitle(value))
    .meta({ description: "What people see it called (default: taken from the URL)." }),
});

const queueItemId = z.string({ error: FIELD_MESSAGES.itemId }).max(64, {
  error: FIELD_MESSAGES.itemId,
});

/** A server instant in epoch milliseconds, as the client's synced clock reads it. */
const serverInstant = z.number({ error: FIELD_MESSAGES.atServerTs }).min(0, {
  error: FIELD_MESSAGES.atServerTs,
}).meta({
  description: "The server instant (epoch ms, on the client's synced clock) at which the " +
    "host's player was at `position`; clamped into [arrival - 5 s, arrival].",
});

/**
 * When the host's player was at `position` (docs/protocol.md 5.4): `at_server_ts` from a host that
 * acted at once with a synced clock, or `deferred: true` from a host that starts at the target
 * like everyone else. Neither: the host acted when the command arrived (the upstream client).
 */
const playerEventPayload = z
  .looseObject({
    action: PlayerActionSchema,
    position,
    // Applied only when valid (protocol 3.6): anything else counts as not given, never as an error.
    play_state: PlayStateSchema.nullish().catch(null).transform((value) => value ?? null)
      .meta({ description: "The host's play state; an invalid value counts as not given." }),
    at_server_ts: serverInstant.nullish().transform((value) => value ?? null),
    deferred: z.boolean({ error: FIELD_MESSAGES.deferred }).nullish()
      .transform((value) => value === true)
      .meta({
        description: "The host starts at target_server_ts like everyone else (it receives " +
          "its own play). Not together with at_server_ts.",
      }),
  })
  .refine((payload) => !(payload.deferred && payload.at_server_ts !== null), {
    error: FIELD_MESSAGES.timingExclusive,
  });

/** One payload schema per client message type. Unknown extra fields are ignored. */
/** A room password: text of 1 to 128 code points (checked as given, never trimmed). */
const password = z.string({ error: FIELD_MESSAGES.password })
  .refine((text) => text.length > 0 && [...text].length <= MAX_PASSWORD_CHARS, {
    error: FIELD_MESSAGES.password,
  });

/**
 * Extension: the host changes the room's options while the party goes on (docs/protocol.md
 * 3.20). `password` locks (or re-locks with a new password), `locked: false` unlocks; any field
 * left out stays as it is, and at least one must be given.
 */
const roomOptionsPayload = z
  .looseObject({
    locked: z.boolean({ error: FIELD_MESSAGES.locked }).nullish()
      .transform((value) => value ?? null)
      .meta({
        description: "true: lock (needs password); false: unlock (no password). Absent: as is, " +
          "unless password is given, which locks.",
      }),
    password: password.nullish().transform((value) => value ?? null).meta({
      description: "A new password: the room is locked with it (replacing any earlier one).",
    }),
    handoff: z.boolean({ error: FIELD_MESSAGES.handoff }).nullish()
      .transform((value) => value ?? null)
      .meta({ description: "Keep the room open when the host leaves (as in create_room)." }),
    unlisted: z.boolean({ error: FIELD_MESSAGES.unlisted }).nullish()
      .transform((value) => value ?? null)
      .meta({
        description: "Leave the room out of every room_list; it stays joinable by its id.",
      }),
  })
  .refine((options) => !(options.locked === true && options.password === null), {
    error: FIELD_MESSAGES.lockNeedsPassword,
  })
  .refine((options) => !(options.locked === false && options.password !== null), {
    error: FIELD_MESSAGES.unlockTakesNoPassword,
  })
  .refine(
    (options) =>
      options.locked !== null || options.password !== null || options.handoff !== null ||
      options.unlisted !== null,
    { error: FIELD_MESSAGES.noRoomOptions },
  );

export const PAYLOAD_SCHEMAS = {
  list_rooms: z.looseObject({
    // Extension: a filter and a page. Without them, every room (the upstream answer).
    media_id: z.string({ error: FIELD_MESSAGES.mediaId }).nullish(),
    name: z.string({ error: FIELD_MESSAGES.filterName }).max(MAX_NAME_CHARS * 4, {
      error: FIELD_MESSAGES.filterName,
    }).nullish(),
    limit: z.number({ error: FIELD_MESSAGES.limit }).int({ error: FIELD_MESSAGES.limit })
      .min(1, { error: FIELD_MESSAGES.limit }).max(MAX_LIST_PAGE, { error: FIELD_MESSAGES.limit })
      .nullish(),
    after: z.string({ error: FIELD_MESSAGES.after }).regex(/^c\d{1,15}$/, {
      error: FIELD_MESSAGES.after,
    }).nullish(),
  }),
  create_room: z.looseObject({
    name: optionalText(FIELD_MESSAGES.name),
    // An invalid or missing start position is not an error: the room starts at 0 (protocol 3.2).
    start_pos: position.catch(0).default(0),
    media_id: mediaId,
    media_url: mediaUrl,
    user_name: optionalText(FIELD_MESSAGES.userName),
    handoff: z.boolean({ error: FIELD_MESSAGES.handoff }).nullish()
      .transform((value) => value === true)
      .meta({
        description: "Extension: when the host leaves, the host role passes to another " +
          "member instead of the room closing.",
      }),
    password: password.nullish().meta({
      description: "Extension: joining then needs this password (or an invite).",
    }),
    control: ControlPolicySchema.nullish().transform((value) => value ?? "host").meta({
      description: "Extension: who may control playback (default: the host).",
    }),
    unlisted: z.boolean({ error: FIELD_MESSAGES.unlisted }).nullish()
      .transform((value) => value === true)
      .meta({
        description: "Extension: the room is in nobody's room_list; it is joined by its id.",
      }),
  }),
  join_room: z.looseObject({
    user_name: optionalText(FIELD_MESSAGES.userName),
    password: password.nullish(),
    invite: z.string({ error: FIELD_MESSAGES.invite }).nullish(),
  }),
  leave_room: z.looseObject({}),
  ready: z.looseObject({
    media_id: z.unknown().optional(),
    state: ReadinessSchema.nullish().transform((value) => value ?? "ready").meta({
      description:
        "Extension: loading, ready (the default), buffering, autoplay_blocked, media_error, " +
        "or ended (the player reached the end of the media; counts as ready).",
    }),
  }),
  player_event: playerEventPayload,
  state_update: z.looseObject({
    position,
    play_state: PlayStateSchema,
    at_server_ts: serverInstant.nullish().transform((value) => value ?? null),
  }),
  ping: z.looseObject({
    // Extension: the client's last measured round trip, shown to the room as presence. Not
    // worth an error when it is not a sensible number: it is simply not used.
    rtt_ms: z.number().min(0).max(MAX_REPORTED_RTT_MS).nullish().catch(null)
      .transform((value) => value ?? null),
  }),
  chat_message: z.looseObject({ text: z.string({ error: FIELD_MESSAGES.text }) }),
  auth: z.looseObject({
    token: optionalText(FIELD_MESSAGES.token),
    user_name: optionalText(FIELD_MESSAGES.userName),
    user_id: optionalText(FIELD_MESSAGES.userId),
  }),
  client_log: z.looseObject({ category: z.unknown().optional(), message: z.unknown().optional() }),
  resume: z.looseObject({
    token: z.string({ error: FIELD_MESSAGES.token }),
    last_seq: z.number({ error: FIELD_MESSAGES.lastSeq }).int({ error: FIELD_MESSAGES.lastSeq })
      .min(0, { error: FIELD_MESSAGES.lastSeq }).nullish()
      .transform((value) => value ?? null),
  }),
  transfer_host: z.looseObject({ client_id: z.string({ error: FIELD_MESSAGES.clientId }) }),
  start_anyway: z.looseObject({}),
  set_control: z.looseObject({ control: ControlPolicySchema }),
  set_cohost: z.looseObject({
    client_id: z.string({ error: FIELD_MESSAGES.clientId }),
    cohost: z.boolean({ error: FIELD_MESSAGES.cohost }),
  }),
  set_room_options: roomOptionsPayload,
  set_media: mediaItemPayload,
  queue_add: mediaItemPayload,
  queue_remove: z.looseObject({ item_id: queueItemId }),
  queue_move: z.looseObject({
    item_id: queueItemId,
    index: z.number({ error: FIELD_MESSAGES.index }).int({ error: FIELD_MESSAGES.index })
      .min(0, { error: FIELD_MESSAGES.index }).max(1_000, { error: FIELD_MESSAGES.index })
      .meta({ description: "Where it goes: 0 is next; past the end is last." }),
  }),
  queue_next: z.looseObject({}),
  set_rate: z.looseObject({
    rate: z.number({ error: FIELD_MESSAGES.rate }).min(MIN_PLAYBACK_RATE, {
      error: FIELD_MESSAGES.rate,
    }).max(MAX_PLAYBACK_RATE, { error: FIELD_MESSAGES.rate }),
    at_server_ts: serverInstant.nullish().transform((value) => value ?? null),
  }),
  create_invite: z.looseObject({
    ttl_s: z.number({ error: FIELD_MESSAGES.ttl }).int({ error: FIELD_MESSAGES.ttl })
      .min(MIN_INVITE_TTL_S, { error: FIELD_MESSAGES.ttl }).max(MAX_INVITE_TTL_S, {
        error: FIELD_MESSAGES.ttl,
      })
      .nullish().transform((value) => value ?? DEFAULT_INVITE_TTL_S),
  }),
  sync_report: z.looseObject({
    drift_ms: z.number({ error: FIELD_MESSAGES.driftMs }).min(-3_600_000, {
      error: FIELD_MESSAGES.driftMs,
    }).max(3_600_000, { error: FIELD_MESSAGES.driftMs }).meta({
      description: "Room timeline minus the player's position, ms (positive: behind).",
    }),
    offset_ms: z.number({ error: FIELD_MESSAGES.reportField }).nullish(),
    uncertainty_ms: z.number({ error: FIELD_MESSAGES.reportField }).min(0, {
      error: FIELD_MESSAGES.reportField,
    }).nullish(),
    rate: z.number({ error: FIELD_MESSAGES.reportField }).min(0, {
      error: FIELD_MESSAGES.reportField,
    }).max(16, { error: FIELD_MESSAGES.reportField }).nullish(),
  }),
} as const;

export type ClientMessageType = keyof typeof PAYLOAD_SCHEMAS;
export const CLIENT_MESSAGE_TYPES = Object.keys(PAYLOAD_SCHEMAS) as ClientMessageType[];

const EnvelopeSchema = z.looseObject({
  type: z.string(),
  room: z.string().max(MAX_ROOM_ID_CHARS).nullish(),
  // A client-supplied `client` is ignored: the connection's id is authoritative (protocol 1).
  client: z.unknown().optional(),
  payload: z.unknown().optional(),
  ts: z.number(),
});

/** A validated client message: `room` is null when absent or "" (meaning "no room"). */
export type ClientMessage = {
  [K in ClientMessageType]: {
    readonly type: K;
    readonly room: string | null;
    readonly ts: number;
    readonly payload: z.infer<(typeof PAYLOAD_SCHEMAS)[K]>;
    /** The payload exactly as sent: `pong` echoes it. */
    readonly rawPayload: unknown;
  };
}[ClientMessageType];

export type ParseResult =
  | { readonly ok: true; readonly message: ClientMessage }
  | {
    readonly ok: false;
    readonly error: ErrorInfo;
    /** The type, when the envelope was readable: limits and metrics need it. */
    readonly type?: string;
    readonly room?: string | null;
  };

function isClientMessageType(type: string): type is ClientMessageType {
  // Object.hasOwn, not `in`: "__proto__" or "toString" must not look like a message type.
  return Object.hasOwn(PAYLOAD_SCHEMAS, type);
}

/**
 * The one way a text frame becomes a typed message (the server and the tests both use it):
 * JSON, then the envelope, then the payload schema of its type, which owns every default. On
 * failure it returns the exact error to send back, with the type and room when they were
 * readable (rate limits and metrics need them).
 */
export function parseClientMessage(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: ERRORS.invalidFormat };
  }
  return parseClientValue(raw);
}

function parseClientValue(raw: unknown): ParseResult {
  // The frames of a running party, checked by hand; anything else, and every error, is zod's.
  const fast = fastParse(raw);
  if (fast !== undefined) return { ok: true, message: fast as ClientMessage };
  return parseWithSchemas(raw);
}

/** The schemas' verdict alone, without the fast path (tests compare the two). */
export function parseWithSchemas(raw: unknown): ParseResult {
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) {
    // A readable type still decides which rate budget the frame counts against.
    const type = typeof (raw as { type?: unknown } | null)?.type === "string"
      ? (raw as { type: string }).type
      : undefined;
    return { ok: false, error: ERRORS.invalidFormat, type };
  }
  const { type, payload: rawPayload, ts } = envelope.data;
  const room = envelope.data.room ? envelope.data.room : null;
  if (!isClientMessageType(type)) return { ok: false, error: ERRORS.unknownType, type, room };
  if (rawPayload !== undefined && rawPayload !== null) {
    if (typeof rawPayload !== "object" || Array.isArray(rawPayload)) {
      return { ok: false, error: invalidField(FIELD_MESSAGES.payload), type, room };
    }
  }
  const payload = PAYLOAD_SCHEMAS[type].safeParse(rawPayload ?? {});
  if (!payload.success) {
    const first = payload.error.issues[0];
    return { ok: false, error: invalidField(first?.message ?? FIELD_MESSAGES.payload), type, room };
  }
  return {
    ok: true,
    message: { type, room, ts, payload: payload.data, rawPayload } as ClientMessage,
  };
}
