/** The wire contract of the OpenWatchParty session protocol (see docs/protocol.md). */
export * from "./limits.ts";
export * from "./errors.ts";
export * from "./room_close.ts";
export * from "./sanitize.ts";
export * from "./client_messages.ts";
export * from "./server_messages.ts";
export * from "./server_schemas.ts";
export * from "./media.ts";
