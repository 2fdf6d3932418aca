/**
 * A room of another instance as a unit test sees it: a RoomHandle that records what is posted
 * to it (what would travel to its owner), 20 places, open.
 */
import type { RoomCommand, RoomHandle } from "../../rooms/mod.ts";

export function recordingRoom(id: string, memberCount = 1) {
  const posted: RoomCommand[] = [];
  const room: RoomHandle = {
    id,
    maxMembers: 20,
    memberCount,
    hostId: "someone",
    password: null,
    post: (command) => posted.push(command),
  };
  return { room, posted };
}
