/** The multi-instance knobs, named once (docs/deployment.md explains them). */

// The lease period's default, INSTANCE_LEASE_MS, is in server/instance_link.ts: the
// configuration reads it, and the server never imports cluster/.

/** Heartbeats per lease period: two can be lost before the lease runs out. */
export const HEARTBEATS_PER_LEASE = 3;

/** Key prefix of everything this server keeps in Redis (several deployments can share one). */
export const REDIS_PREFIX = "owp:";
