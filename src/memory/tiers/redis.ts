/**
 * L1 in Redis (ioredis), shared by every gateway with the same URL and key prefix. Each entry is a
 * hash; beside them, under the prefix, a sorted set of keys by last read (the LRU order), a sorted
 * set by expiry, a hash of sizes and a byte counter. Every change is one Lua script, so the
 * bookkeeping never disagrees with the entries, and the byte bound holds across gateways.
 *
 * Redis expires an entry's hash itself (PEXPIRE), so a reader never sees an expired copy; the sweep
 * removes the bookkeeping of those (and of copies that expired on our clock first). Entries without
 * a TTL are only removed by our eviction: give Redis a `maxmemory` above `memory.l1.maxBytes`, or
 * its own eviction would leave the byte counter too high until the entry is deleted.
 */
import type { Redis, RedisOptions } from "ioredis";
import { redactUrl } from "../../config/redact-url.js";
import { ConfigError } from "../../errors.js";
import { newCounters, type Tier, type TierName, type TierRecord, type TierUsage } from "../tier.js";
import { checksumOf, kindCode, kindFromCode } from "../value.js";

export interface RedisTierOptions {
  url: string;
  keyPrefix: string;
  name?: TierName;
  maxBytes: number;
  ttlMs: number;
  /** Where connection errors go (they also fail the command at hand, which counts as a miss). */
  onError?: (error: Error) => void;
}

/** Redis key names under one prefix. */
export interface RedisMemoryKeys {
  /** Prefix of each entry's hash: `<prefix>e:<key>`. */
  entry: string;
  lru: string;
  expiry: string;
  sizes: string;
  bytes: string;
}

export function redisMemoryKeys(prefix: string): RedisMemoryKeys {
  return {
    entry: `${prefix}e:`,
    lru: `${prefix}lru`,
    expiry: `${prefix}exp`,
    sizes: `${prefix}sizes`,
    bytes: `${prefix}bytes`,
  };
}

// KEYS: 1 entry hash, 2 lru zset, 3 expiry zset, 4 sizes hash, 5 byte counter (the same for every
// script). Removing one member: its hash, both sets, its size, and the counter by that size.
const REMOVE_MEMBER = `
local function remove_member(member, entry_key)
  local size = redis.call('HGET', KEYS[4], member)
  local existed = redis.call('DEL', entry_key)
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
  redis.call('HDEL', KEYS[4], member)
  if size then redis.call('DECRBY', KEYS[5], size) end
  return existed
end
-- Least recently read first, never 'keep', until the counter is at most max_bytes.
local function evict(max_bytes, keep, entry_prefix)
  local evicted = 0
  local total = tonumber(redis.call('GET', KEYS[5]) or '0')
  while total > max_bytes do
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 1)
    local victim = oldest[1]
    if victim == keep then victim = oldest[2] end
    if not victim then break end
    remove_member(victim, entry_prefix .. victim)
    evicted = evicted + 1
    total = tonumber(redis.call('GET', KEYS[5]) or '0')
  end
  return evicted
end
`;

/** ARGV: member, now, touch (1/0). The fields, or nil when absent or expired at `now`. */
const GET_SCRIPT = `
local fields = redis.call('HMGET', KEYS[1], 'v', 'd', 's', 'k', 'c', 'x', 't', 'n')
if not fields[1] then return nil end
local expires = tonumber(fields[6])
if expires > 0 and expires <= tonumber(ARGV[2]) then return nil end
if ARGV[3] == '1' then redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[1]) end
return fields
`;

/**
 * ARGV: member, value, kind, size, checksum, createdAt, expiresAt (0 = never), tiers, namespace,
 * now, maxBytes, entry prefix, lastAccessAt. Returns how many entries were evicted.
 */
const PUT_SCRIPT = `${REMOVE_MEMBER}
remove_member(ARGV[1], KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3], 's', ARGV[4], 'k', ARGV[5], 'c', ARGV[6], 'x', ARGV[7], 't', ARGV[8], 'n', ARGV[9])
local expires = tonumber(ARGV[7])
if expires > 0 then
  redis.call('PEXPIRE', KEYS[1], math.max(1, expires - tonumber(ARGV[10])))
  redis.call('ZADD', KEYS[3], expires, ARGV[1])
end
redis.call('ZADD', KEYS[2], ARGV[13], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
redis.call('INCRBY', KEYS[5], ARGV[4])
return evict(tonumber(ARGV[11]), ARGV[1], ARGV[12])
`;

/** ARGV: member. 1 if the entry was there. */
const DELETE_SCRIPT = `${REMOVE_MEMBER}
return remove_member(ARGV[1], KEYS[1])
`;

/** ARGV: now, limit, entry prefix, maxBytes. Returns {expired, evicted}. */
const SWEEP_SCRIPT = `${REMOVE_MEMBER}
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do remove_member(member, ARGV[3] .. member) end
return {#due, evict(tonumber(ARGV[4]), '', ARGV[3])}
`;

const SWEEP_BATCH = 500;

/** The scripts as ioredis commands (defineCommand adds them at run time, so they are typed here). */
interface MemoryCommands {
  hydraMemGetBuffer(...args: (string | number)[]): Promise<Buffer[] | null>;
  hydraMemPut(...args: (string | number | Buffer)[]): Promise<number>;
  hydraMemDelete(...args: (string | number)[]): Promise<number>;
  hydraMemSweep(...args: (string | number)[]): Promise<[number, number]>;
}

export async function openRedisTier(options: RedisTierOptions): Promise<RedisTier> {
  const { Redis } = await import("ioredis");
  const clientOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: 2_000,
    // A cache read must fail fast while Redis is away (it is a miss, the tier below answers),
    // not wait in a queue behind the outage.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectionName: "hydra:memory",
  };
  const client = new Redis(options.url, clientOptions);
  client.on("error", (error: Error) => options.onError?.(error));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new ConfigError(
      `memory.redis.url ${redactUrl(options.url)}: cannot connect to Redis (${(error as Error).message}); start Redis or remove memory.redis.url to keep L1 in-process`,
    );
  }
  return new RedisTier(client, options);
}

export class RedisTier implements Tier {
  readonly name: TierName;
  readonly backend = "redis" as const;
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly counters = newCounters();
  readonly keys: RedisMemoryKeys;
  readonly #client: Redis & MemoryCommands;

  constructor(client: Redis, options: RedisTierOptions) {
    this.name = options.name ?? "l1";
    this.maxBytes = options.maxBytes;
    this.ttlMs = options.ttlMs;
    this.keys = redisMemoryKeys(options.keyPrefix);
    client.defineCommand("hydraMemGet", { numberOfKeys: 2, lua: GET_SCRIPT });
    client.defineCommand("hydraMemPut", { numberOfKeys: 5, lua: PUT_SCRIPT });
    client.defineCommand("hydraMemDelete", { numberOfKeys: 5, lua: DELETE_SCRIPT });
    client.defineCommand("hydraMemSweep", { numberOfKeys: 5, lua: SWEEP_SCRIPT });
    this.#client = client as Redis & MemoryCommands;
  }

  get(key: string, now: number): Promise<TierRecord | undefined> {
    return this.#read(key, now, true);
  }

  peek(key: string, now: number): Promise<TierRecord | undefined> {
    return this.#read(key, now, false);
  }

  async put(record: TierRecord, now: number): Promise<void> {
    const { keys } = this;
    const evicted = await this.#client.hydraMemPut(
      ...this.#scriptKeys(record.key),
      record.key,
      record.bytes,
      kindCode(record.kind),
      record.size,
      record.checksum,
      record.createdAt,
      record.expiresAt ?? 0,
      record.tiers,
      record.namespace ?? "",
      now,
      this.maxBytes,
      keys.entry,
      record.lastAccessAt,
    );
    this.counters.evictions += evicted;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#client.hydraMemDelete(...this.#scriptKeys(key), key)) === 1;
  }

  async idle(before: number, limit: number, now: number): Promise<TierRecord[]> {
    const members = await this.#client.zrangebyscore(this.keys.lru, "-inf", `(${before}`, "LIMIT", 0, limit);
    const records: TierRecord[] = [];
    for (const member of members) {
      const record = await this.peek(member, now);
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  async sweep(now: number): Promise<void> {
    for (;;) {
      const [expired, evicted] = await this.#client.hydraMemSweep(
        ...this.#scriptKeys(""),
        now,
        SWEEP_BATCH,
        this.keys.entry,
        this.maxBytes,
      );
      this.counters.expirations += expired;
      this.counters.evictions += evicted;
      if (expired < SWEEP_BATCH) return;
    }
  }

  async usage(): Promise<TierUsage> {
    const [bytes, entries] = await Promise.all([
      this.#client.get(this.keys.bytes),
      this.#client.zcard(this.keys.lru),
    ]);
    return { bytes: Number(bytes ?? 0), entries };
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.disconnect());
  }

  #scriptKeys(key: string): [string, string, string, string, string] {
    const { keys } = this;
    return [`${keys.entry}${key}`, keys.lru, keys.expiry, keys.sizes, keys.bytes];
  }

  async #read(key: string, now: number, touch: boolean): Promise<TierRecord | undefined> {
    const fields = await this.#client.hydraMemGetBuffer(
      `${this.keys.entry}${key}`,
      this.keys.lru,
      key,
      now,
      touch ? 1 : 0,
    );
    if (fields === null) return undefined;
    const [value, kind, size, checksum, createdAt, expiresAt, tiers, namespace] = fields;
    if (value === undefined || checksumOf(value) !== numberOf(checksum)) {
      // Only a foreign writer under our prefix could cause this: drop the entry, count a miss.
      await this.delete(key);
      this.counters.corrupt++;
      return undefined;
    }
    const expiry = numberOf(expiresAt);
    return {
      key,
      kind: kindFromCode(numberOf(kind)),
      bytes: value,
      size: numberOf(size),
      checksum: numberOf(checksum),
      createdAt: numberOf(createdAt),
      expiresAt: expiry > 0 ? expiry : null,
      lastAccessAt: now,
      tiers: numberOf(tiers),
      namespace: namespace === undefined || namespace.length === 0 ? null : namespace.toString("utf8"),
    };
  }
}

function numberOf(field: Buffer | undefined): number {
  return field === undefined ? 0 : Number(field.toString("latin1"));
}
