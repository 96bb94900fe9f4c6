/**
 * The Lua scripts behind the shared presence and swarms (cluster-keys.ts has the layout). Each
 * runs atomically in Redis; times come from Redis's own clock (TIME), so nodes with skewed clocks
 * agree on expiry. ioredis defines each as a command (EVALSHA, falling back to EVAL) on a client
 * and on its pipelines. Replies are `unknown` here: cluster-state.ts checks them.
 *
 * A peer's presence belongs to the node that wrote it: refresh and release leave a presence alone
 * once another node holds the peer (it reconnected there with the same token). The presence also
 * names the swarm set the peer is in, and the join reads the presences of the members it draws;
 * scripts use keys as read, so the scripts need one Redis (a primary, with replicas or Sentinel
 * if you like), not a Redis Cluster.
 */
import type { Redis, Result } from 'ioredis';

/** Redis's clock in milliseconds, as a Lua expression list (sets local `now`). */
const NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/**
 * KEYS[1] presence; ARGV token hash, node id, TTL ms. Returns 1 when this node now holds the id,
 * 0 when another token holds it (SIGNAL_ID_TAKEN).
 */
const CLAIM = `
local held = redis.call('HGET', KEYS[1], 'token')
if held and held ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'node', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * KEYS[1] presence; ARGV token hash, node id, TTL ms, peer id, the swarm set this node saw the
 * peer join ('' for none), and what it said there (holds, region: '' for none). Extends (or,
 * after Redis lost it, writes again) a presence this node holds, and the entry in the swarm it
 * names (the node's own knowledge only fills a gap: a join through another node is newer).
 * Returns 0 when another node holds the peer.
 */
const REFRESH = `
local node = redis.call('HGET', KEYS[1], 'node')
if node and node ~= ARGV[2] then return 0 end
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'node', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
local swarm = redis.call('HGET', KEYS[1], 'swarm')
if not swarm and ARGV[5] ~= '' then
  swarm = ARGV[5]
  redis.call('HSET', KEYS[1], 'swarm', swarm, 'holds', ARGV[6], 'region', ARGV[7])
end
if swarm then
  ${NOW}
  redis.call('ZADD', swarm, now + ttl, ARGV[4])
  redis.call('PEXPIRE', swarm, 2 * ttl)
end
return 1`;

/** KEYS[1] presence; ARGV node id, peer id. Forgets a peer this node held, and its swarm entry. */
const RELEASE = `
local node = redis.call('HGET', KEYS[1], 'node')
if node and node ~= ARGV[1] then return 0 end
local swarm = redis.call('HGET', KEYS[1], 'swarm')
redis.call('DEL', KEYS[1])
if swarm then redis.call('ZREM', swarm, ARGV[2]) end
return 1`;

/**
 * KEYS[1] presence, KEYS[2] the swarm set to join; ARGV TTL ms, peer id, how many members to
 * draw, token hash, the calling node's id when the peer is connected to it ('' otherwise), what
 * the peer says of itself (holds, region: '' for none), and the presence key prefix.
 *
 * Checks, atomically with everything else, that the peer is live with that token (a peer that
 * left, or another token, returns 0: nothing is written, so a departed peer cannot come back
 * into a swarm through a join that raced its departure). A peer connected to the calling node
 * whose presence Redis lost is written again. Then moves the peer out of the swarm its presence
 * names into this one, records its holds and region in its presence, prunes expired members,
 * and returns up to that many distinct random other members as a flat array
 * { id, holds, region, id, holds, region, ... } (the caller ranks them: swarm-selection.ts).
 * A drawn member whose presence is gone or names another swarm has left: it is removed from the
 * set, not returned. Any node may run it for any peer (the join route is stateless), so the
 * swarm lives in the presence, where the peer's own node finds it to refresh.
 */
const JOIN = `
${NOW}
local ttl = tonumber(ARGV[1])
local held = redis.call('HGET', KEYS[1], 'token')
if not held then
  if ARGV[5] == '' then return 0 end
  redis.call('HSET', KEYS[1], 'token', ARGV[4], 'node', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ttl)
elseif held ~= ARGV[4] then
  return 0
end
local old = redis.call('HGET', KEYS[1], 'swarm')
if old and old ~= KEYS[2] then redis.call('ZREM', old, ARGV[2]) end
redis.call('HSET', KEYS[1], 'swarm', KEYS[2], 'holds', ARGV[6], 'region', ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[2], 2 * ttl)
local out = {}
for _, id in ipairs(redis.call('ZRANDMEMBER', KEYS[2], tonumber(ARGV[3]))) do
  if id ~= ARGV[2] then
    local meta = redis.call('HMGET', ARGV[8] .. id, 'swarm', 'holds', 'region')
    if meta[1] == KEYS[2] then
      out[#out + 1] = id
      out[#out + 1] = meta[2] or '0'
      out[#out + 1] = meta[3] or ''
    else
      redis.call('ZREM', KEYS[2], id)
    end
  end
end
return out`;

/**
 * KEYS[1] the destination's presence; ARGV this node's id, the relay channel prefix, the
 * envelope. Publishes the envelope on the channel of the node holding the destination, in one
 * round trip (looking the node up and then publishing took two, and the relay's latency is
 * those round trips). Returns how many subscribers got it: 0 when no other node holds the peer
 * or its node no longer listens (it died); the caller hands the message back to PeerServer.
 */
const FORWARD = `
local node = redis.call('HGET', KEYS[1], 'node')
if not node or node == ARGV[1] then return 0 end
return redis.call('PUBLISH', ARGV[2] .. node, ARGV[3])`;

/** Every command takes the number of keys first (EVALSHA's own order). */
declare module 'ioredis' {
  interface RedisCommander<Context> {
    deploynetClaim(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
    deploynetRefresh(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
    deploynetRelease(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
    deploynetJoin(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
    deploynetForward(numKeys: number, ...keysAndArgs: (string | number)[]): Result<unknown, Context>;
  }
}

const SCRIPTS = { deploynetClaim: CLAIM, deploynetRefresh: REFRESH, deploynetRelease: RELEASE, deploynetJoin: JOIN, deploynetForward: FORWARD } as const;

/** Defines the scripts as commands on `redis` (and so on its pipelines). */
export function defineClusterScripts(redis: Redis): void {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { lua });
}
