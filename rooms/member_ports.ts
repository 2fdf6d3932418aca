/**
 * The table from member ids to how to reach them (MemberPort), which the rooms send through:
 * the registry keeps its connections here, and the cluster the members of its rooms whose
 * connections are on other instances. Kept outside the rooms so that a room's state and its
 * commands stay data: a connection that drops leaves the table, and its room, finding no
 * port, sends an away member nothing.
 */
import type { MemberPort } from "./member.ts";

/** What a room needs of the table: the port of a member id now, if it has one. */
export interface PortLookup {
  portOf(memberId: string): MemberPort | undefined;
}

export class MemberPorts implements PortLookup {
  readonly #ports = new Map<string, MemberPort>();

  portOf(memberId: string): MemberPort | undefined {
    return this.#ports.get(memberId);
  }

  /** `memberId` is reached through `port` from now on (a newer port replaces an older one). */
  attach(memberId: string, port: MemberPort): void {
    this.#ports.set(memberId, port);
  }

  /** Forgets `memberId`'s port, but only if it is still `port` (not a newer one). */
  detach(memberId: string, port: MemberPort): void {
    if (this.#ports.get(memberId) === port) this.#ports.delete(memberId);
  }

  get size(): number {
    return this.#ports.size;
  }
}
