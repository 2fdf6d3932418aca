import type { OutboundFrame, ServerMessage } from "../../protocol/mod.ts";
import type { Member } from "../../rooms/member.ts";

/** A member that records what the room sends it, for unit tests on a ManualClock. */
export class FakeMember implements Member {
  readonly received: ServerMessage[] = [];
  /** Frames are shared between recipients of a broadcast: proves one encode per broadcast. */
  readonly frames: OutboundFrame[] = [];
  onSend?: (frame: OutboundFrame) => void;

  rttMs: number | null = null;

  constructor(public id: string, public name = id) {}

  /** As a connection does when a resume is accepted. */
  adoptId(id: string): void {
    this.id = id;
  }

  send(frame: OutboundFrame): void {
    this.frames.push(frame);
    this.received.push(JSON.parse(frame.text));
    this.onSend?.(frame);
  }

  types(): string[] {
    return this.received.map((message) => message.type);
  }

  /** Messages of one type, in order. */
  all<T extends ServerMessage["type"]>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.received.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  last<T extends ServerMessage["type"]>(type: T): Extract<ServerMessage, { type: T }> | undefined {
    return this.all(type).at(-1);
  }

  clear(): void {
    this.received.length = 0;
    this.frames.length = 0;
  }
}
