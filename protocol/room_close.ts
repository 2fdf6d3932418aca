/**
 * Why a room closed, as a machine code beside the English reason in `room_closed` (extension,
 * docs/protocol.md 4.9): a page switches on the code, never on the text. The texts are the
 * upstream server's where it has one.
 */
export const ROOM_CLOSE_REASONS = {
  /** The host left (leave_room, or its connection's resume grace ran out). */
  host_left: "Host left the room",
  /** Nobody was left: the last member's resume grace ran out. */
  room_empty: "Everyone left the room",
  /** The host created another room: a host has one room at a time. */
  host_new_room: "Host started a new room",
  /** The server is stopping (a restart, a deploy); its sockets close with 1001 next. */
  server_shutdown: "Server shutting down",
  /** Several instances: the instance that held the room stopped without closing it. */
  owner_gone: "The room's server stopped",
} as const;

export type RoomCloseCode = keyof typeof ROOM_CLOSE_REASONS;
export const ROOM_CLOSE_CODES = Object.keys(ROOM_CLOSE_REASONS) as [
  RoomCloseCode,
  ...RoomCloseCode[],
];
