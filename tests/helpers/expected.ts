/**
 * Expected wire values, written once: a participant entry as room_state and the participant
 * messages show it (tests/integration/session_test.ts spells the whole shape out once).
 */
export interface ExpectedParticipant {
  id: string;
  name: string;
  is_host: boolean;
  is_cohost: boolean;
  ready: boolean;
  readiness: "loading" | "ready" | "buffering" | "autoplay_blocked" | "media_error";
  away: boolean;
  rtt_ms: number | null;
  away_until: number | null;
}

/** A present member with no reported round trip; a host is ready, anyone else as `ready` says. */
export function participantEntry(
  id: string,
  name: string,
  options: { host?: boolean; ready?: boolean } & Partial<ExpectedParticipant> = {},
): ExpectedParticipant {
  const { host = false, ready = host, ...rest } = options;
  return {
    id,
    name,
    is_host: host,
    is_cohost: false,
    ready,
    readiness: ready ? "ready" : "loading",
    away: false,
    rtt_ms: null,
    away_until: null,
    ...rest,
  };
}
