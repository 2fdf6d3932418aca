/**
 * A room's whole state as data (a RoomRecord): everything that matters to the party — its
 * options, members and roles, timeline, a waiting play, what plays and the queue, chat, the
 * message numbering, and when each of its timers is due — and nothing that belongs to a
 * process (connections, timer handles, the replay buffer). A record can be written out,
 * checked back in by its schema, and turned into a room again (Room.restore), which re-arms
 * its timers from the saved deadlines. The foundation of rooms that outlive a process.
 */
import { z } from "zod";
import { ControlPolicySchema, PlayStateSchema, ReadinessSchema } from "../protocol/mod.ts";
import { PasswordHashDataSchema } from "./password_codec.ts";

/** Bumped whenever a record's shape changes incompatibly (an older one is not loaded). */
export const ROOM_RECORD_VERSION = 1;

const time = z.number().finite();
const id = z.string().min(1).max(200);

const PlaybackSchema = z.object({
  position: z.number().finite(),
  playState: PlayStateSchema,
  anchorTs: time.nullable(),
  rate: z.number().finite().positive(),
  rateSwitch: z.object({ atTs: time, rateBefore: z.number().finite().positive() }).nullish(),
});

export const RoomRecordSchema = z.object({
  version: z.literal(ROOM_RECORD_VERSION),
  id,
  name: z.string().max(1_000),
  maxMembers: z.number().int().positive(),
  graceMs: z.number().int().min(0),
  handoff: z.boolean(),
  unlisted: z.boolean(),
  control: ControlPolicySchema,
  password: PasswordHashDataSchema.nullable(),
  media: z.object({
    url: z.string().nullable(),
    mediaId: z.string().nullable(),
    title: z.string().nullable(),
    itemId: z.string(),
    itemSeq: z.number().int().min(0),
    nextItemId: z.number().int().min(1),
  }),
  queue: z.array(z.object({
    id: z.string(),
    media_url: z.string(),
    media_id: z.string().nullable(),
    title: z.string().nullable(),
    added_by: z.string(),
  })),
  hostId: id,
  members: z.array(z.object({
    id,
    name: z.string(),
    readiness: ReadinessSchema,
    everReady: z.boolean(),
    away: z.boolean(),
    catchingUp: z.boolean(),
    cohost: z.boolean(),
    /** When an away member went away (its grace runs from then). */
    awaySince: time.nullable(),
  })).min(1),
  playback: z.object({
    playback: PlaybackSchema,
    pendingPlay: z.object({
      id: z.number().int(),
      senderId: z.string(),
      position: z.number().finite(),
      anchorTs: time.nullable(),
      previousPlayState: PlayStateSchema,
    }).nullable(),
    nextPlayId: z.number().int().min(1),
    lastCommandTs: time.nullable(),
    lastStateTs: time.nullable(),
    lastTargetTs: time.nullable(),
  }),
  /** The seq of the last message the room sent: numbering goes on from it. */
  seq: z.number().int().min(0),
  chat: z.array(z.object({
    client: z.string(),
    username: z.string(),
    text: z.string(),
    server_ts: time,
  })),
  /** When the room's timers are due (server ms); null when not set. */
  timers: z.object({
    readyWait: time.nullable(),
    queueEnd: time.nullable(),
    /** The item the queue-end timer was for. */
    queueEndItemSeq: z.number().int().nullable(),
  }),
  /** When the record was made (server ms). */
  savedAt: time,
});
export type RoomRecord = z.infer<typeof RoomRecordSchema>;

/** A record read back (from a file, a store): the record, or why it cannot be used. */
export function parseRoomRecord(
  value: unknown,
): { ok: true; record: RoomRecord } | { ok: false; why: string } {
  const result = RoomRecordSchema.safeParse(value);
  if (result.success) return { ok: true, record: result.data };
  const first = result.error.issues[0];
  return { ok: false, why: `${first?.path.join(".") || "record"}: ${first?.message ?? "invalid"}` };
}

/**
 * The same record in another clock: every time in it (server ms) passed through `convert`.
 * A room adopted by another instance goes on in that instance's clock, which may differ from
 * the one it was saved in by the offset the instances measured between them.
 */
export function convertRecordTimes(
  record: RoomRecord,
  convert: (t: number) => number,
): RoomRecord {
  const at = (t: number | null) => (t === null ? null : convert(t));
  const { playback } = record;
  const timeline = playback.playback;
  return {
    ...record,
    members: record.members.map((member) => ({ ...member, awaySince: at(member.awaySince) })),
    playback: {
      ...playback,
      playback: {
        ...timeline,
        anchorTs: at(timeline.anchorTs),
        rateSwitch: timeline.rateSwitch
          ? { ...timeline.rateSwitch, atTs: convert(timeline.rateSwitch.atTs) }
          : timeline.rateSwitch,
      },
      pendingPlay: playback.pendingPlay
        ? { ...playback.pendingPlay, anchorTs: at(playback.pendingPlay.anchorTs) }
        : null,
      lastCommandTs: at(playback.lastCommandTs),
      lastStateTs: at(playback.lastStateTs),
      lastTargetTs: at(playback.lastTargetTs),
    },
    chat: record.chat.map((message) => ({ ...message, server_ts: convert(message.server_ts) })),
    timers: {
      ...record.timers,
      readyWait: at(record.timers.readyWait),
      queueEnd: at(record.timers.queueEnd),
    },
    savedAt: convert(record.savedAt),
  };
}
