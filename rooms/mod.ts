/**
 * What the rest of the server uses of rooms/: the room actor and its commands, the registry
 * (the directory of rooms and the lobby's list), the clocks, a member as a room sees it, and a
 * room's saved record. Everything else in rooms/ is the actor's own insides.
 */
export { type Clock, ManualClock, SystemClock, type TimerId } from "./clock.ts";
export type { RoomDirectory } from "./directory.ts";
export {
  isMemberCommand,
  type MemberCommand,
  MemberCommandSchema,
  MemberRefSchema,
  senderOf,
  withLocalTimes,
} from "./command_schema.ts";
export { type Member, type MemberPort, type MemberRef, refOf } from "./member.ts";
export { MemberPorts, type PortLookup } from "./member_ports.ts";
export {
  decodeHash,
  encodeHash,
  type PasswordHashData,
  PasswordHashDataSchema,
} from "./password_codec.ts";
export {
  type NewRoom,
  type RegistryEvents,
  type RegistryOptions,
  RESTORED_SEQ_GAP,
  RoomRegistry,
  type RoomWatcher,
} from "./registry.ts";
export {
  Room,
  ROOM_COMMAND_HANDLERS,
  type RoomCommandHandlers,
  type RoomRestoreOptions,
} from "./room.ts";
export type { RoomHandle } from "./room_handle.ts";
export {
  convertRecordTimes,
  parseRoomRecord,
  ROOM_RECORD_VERSION,
  type RoomRecord,
  RoomRecordSchema,
} from "./room_record.ts";
export type {
  PasswordHash,
  RoomCommand,
  RoomObserver,
  RoomOptions,
  RoomSnapshot,
} from "./room_types.ts";
