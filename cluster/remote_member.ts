/**
 * A member connected to another instance, as the room that owns it reaches it: a port in the
 * registry's table like a connection, whose frames go into its instance's outbox. The outbox batches everything the owner
 * sends to one instance during a turn of the event loop into one Redis message, and a frame that
 * several of that instance's members get (a broadcast) travels once with the list of their ids:
 * encoded once per instance, not once per member. Membership events ride in the same message,
 * in order with the frames, so the other instance always knows where its connections are.
 */
import type { OutboundFrame } from "../protocol/mod.ts";
import type { MemberPort } from "../rooms/mod.ts";

type Item =
  | { readonly frame: OutboundFrame; readonly to: string[] }
  | { readonly event: string };

export class PeerOutbox {
  readonly #items: Item[] = [];
  #scheduled = false;

  constructor(
    readonly instance: string,
    /** Sends one batch (the `out` message's text); false when Redis is away. */
    readonly publish: (text: string) => void,
    readonly self: string,
  ) {}

  frame(frame: OutboundFrame, memberId: string): void {
    const last = this.#items[this.#items.length - 1];
    if (last && "frame" in last && last.frame === frame) last.to.push(memberId);
    else this.#items.push({ frame, to: [memberId] });
    this.#schedule();
  }

  /** A membership event: joined/left a room, or a connection that became a resumed session. */
  event(
    event: { ev: "joined" | "left"; room: string; member: string } | {
      ev: "adopt";
      member: string;
      as: string;
    },
  ): void {
    this.#items.push({ event: JSON.stringify(event) });
    this.#schedule();
  }

  /** Sends what is waiting now (also what the microtask would send). */
  flush(): void {
    this.#scheduled = false;
    if (this.#items.length === 0) return;
    const parts = this.#items.splice(0).map((item) =>
      "event" in item ? item.event : `{"to":${JSON.stringify(item.to)},"f":${item.frame.text}}`
    );
    this.publish(`{"t":"out","from":${JSON.stringify(this.self)},"items":[${parts.join(",")}]}`);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.flush());
  }
}

export class RemoteMember implements MemberPort {
  #id: string;
  #rttMs: number | null;

  constructor(readonly outbox: PeerOutbox, id: string, rttMs: number | null) {
    this.#id = id;
    this.#rttMs = rttMs;
  }

  /** The id its frames are addressed to on its instance. */
  get id(): string {
    return this.#id;
  }

  get rttMs(): number | null {
    return this.#rttMs;
  }

  /** The instance where its connection is. */
  get instance(): string {
    return this.outbox.instance;
  }

  /** The newest round trip its instance reported with a command (presence). */
  refresh(rttMs: number | null): void {
    this.#rttMs = rttMs ?? this.#rttMs;
  }

  /** The connection continues session `sessionId`; its instance is told first, in order. */
  adoptId(sessionId: string): void {
    this.outbox.event({ ev: "adopt", member: this.#id, as: sessionId });
    this.#id = sessionId;
  }

  send(frame: OutboundFrame): void {
    this.outbox.frame(frame, this.#id);
  }
}
