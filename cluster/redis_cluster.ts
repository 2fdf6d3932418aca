/**
 * The cluster as a deployment runs it: on the Redis at REDIS_URL. What main.ts loads when
 * REDIS_URL is set (and only then, with the Redis client), and what createSessionServer calls
 * with the server's options.
 */
import type { InstanceLinkOptions } from "../server/instance_link.ts";
import { Cluster } from "./cluster.ts";
import { RedisTransport } from "./redis_transport.ts";

/** For createSessionServer's `cluster` option. */
export function createCluster(options: InstanceLinkOptions): Cluster {
  const { redisUrl, ...rest } = options;
  return new Cluster({ ...rest, transport: new RedisTransport(redisUrl) });
}
