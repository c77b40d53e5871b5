/**
 * The tiering policy, as pure functions of data (no I/O, no clock): tiered-memory.ts asks these
 * what to do and does it. The same rules are written out for users in docs/memory.md.
 *
 * - Tiers run top (L1: fastest, smallest) to bottom; the bottom enabled tier is the *durable* one
 *   (L3 PostgreSQL when configured, else L2 SQLite; with neither, L1 alone and nothing survives
 *   a restart).
 * - Write-through: a put writes every tier it may live in (all enabled tiers unless the caller
 *   names some), the lowest first, and is acknowledged only once all of them hold it. Copies in
 *   the other tiers are deleted so no older version is left behind.
 * - Admission: an upper tier takes an entry only if it is at most a quarter of the tier's
 *   maxBytes (one entry never empties a tier); the lowest tier of a put must fit it whole, or the
 *   put is refused with 413.
 * - TTL: an entry expires `ttlMs` after its put (none: never). Each tier may cap how long it keeps
 *   its copy (`l1.ttlMs`, ...): a copy expires at min(entry expiry, time it entered the tier +
 *   tier TTL), so no copy ever outlives its entry.
 * - Promotion: a hit in a lower tier is copied into every tier above it that the entry may live
 *   in and that admits it, so the next read is served from the top.
 * - Demotion: a copy in a non-durable tier not read for `demoteAfterMs` moves one tier down
 *   (copied there if that tier lacks it or holds an older version) and leaves its tier.
 * - Eviction: above maxBytes a tier drops its least recently read copies (never the one just
 *   written) until it is back under; lower tiers keep theirs.
 */
import { MAX_TTL_MS, MemoryTierError, MemoryTtlError, MemoryValueTooLargeError } from "./errors.js";
import { TIER_NAMES, type TierName } from "./tier.js";

/** The numbers of one enabled tier that the policy needs. */
export interface TierLimits {
  name: TierName;
  /** 0 = unbounded. */
  maxBytes: number;
  /** 0 = no tier TTL. */
  ttlMs: number;
}

/** An upper tier admits entries up to this share of its maxBytes. */
export const ADMIT_SHARE = 0.25;

const TIER_BIT: Readonly<Record<TierName, number>> = { l1: 1, l2: 2, l3: 4 };

export function tierMask(names: Iterable<TierName>): number {
  let mask = 0;
  for (const name of names) mask |= TIER_BIT[name];
  return mask;
}

export function inMask(mask: number, name: TierName): boolean {
  return (mask & TIER_BIT[name]) !== 0;
}

export function tiersOfMask(mask: number): TierName[] {
  return TIER_NAMES.filter((name) => inMask(mask, name));
}

export function isTierName(value: unknown): value is TierName {
  return typeof value === "string" && (TIER_NAMES as readonly string[]).includes(value);
}

/** The durable tier: the bottom enabled one. */
export function durableTier(tiers: readonly TierLimits[]): TierName | undefined {
  return tiers.at(-1)?.name;
}

/**
 * A caller's list of tiers, checked: each must be a tier name and enabled here. Undefined means
 * "every enabled tier". The result is in tier order, without repeats.
 */
export function resolveTiers(
  requested: readonly unknown[] | undefined,
  enabled: readonly TierLimits[],
): TierName[] {
  const names = enabled.map((tier) => tier.name);
  if (requested === undefined) return names;
  if (requested.length === 0) {
    throw new MemoryTierError(`tiers is empty: name at least one of ${names.join(", ")}, or leave it out`);
  }
  for (const value of requested) {
    if (!isTierName(value)) {
      throw new MemoryTierError(
        `unknown tier ${JSON.stringify(value)}: use ${TIER_NAMES.join(", ")} (enabled here: ${names.join(", ")})`,
      );
    }
    if (!names.includes(value)) throw new MemoryTierError(notEnabledMessage(value, names));
  }
  return names.filter((name) => requested.includes(name));
}

function notEnabledMessage(tier: TierName, enabled: readonly TierName[]): string {
  const how = tier === "l3" ? "set memory.postgres.url" : tier === "l2" ? "set memory.l2.enabled: true" : "";
  return `tier ${tier} is not enabled in this gateway${how ? ` (${how})` : ""}; enabled: ${enabled.join(", ")}`;
}

/** A caller's TTL, checked: undefined (no expiry) or whole milliseconds in 1..MAX_TTL_MS. */
export function validateTtl(ttlMs: unknown): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (typeof ttlMs !== "number" || !Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) {
    throw new MemoryTtlError(ttlMs);
  }
  return ttlMs;
}

/** When an entry put at `now` expires; null: never. */
export function entryExpiresAt(now: number, ttlMs: number | undefined): number | null {
  return ttlMs === undefined ? null : now + ttlMs;
}

/** When a copy entering a tier at `now` expires: the entry's expiry, or sooner by the tier's TTL. */
export function copyExpiresAt(entryExpiry: number | null, now: number, tierTtlMs: number): number | null {
  if (tierTtlMs <= 0) return entryExpiry;
  const tierDeadline = now + tierTtlMs;
  return entryExpiry === null ? tierDeadline : Math.min(entryExpiry, tierDeadline);
}

/** Expired at `now`: the instant of expiry is already too late. */
export function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt <= now;
}

/** Whether an upper tier takes an entry of `size` bytes. */
export function admits(tier: TierLimits, size: number): boolean {
  return tier.maxBytes === 0 || size <= tier.maxBytes * ADMIT_SHARE;
}

export interface WritePlan {
  /** Tiers to write, bottom first (the order of the writes: durable before fast). */
  write: TierName[];
  /** Enabled tiers that must not keep an older copy. */
  clear: TierName[];
  /** The tiers the entry may live in, for later promotion and demotion. */
  mask: number;
}

/**
 * Where a put of `size` bytes goes. Throws MemoryValueTooLargeError when the value is above
 * maxValueBytes or does not fit the lowest tier it must reach.
 */
export function planWrite(
  enabled: readonly TierLimits[],
  targets: readonly TierName[],
  size: number,
  maxValueBytes: number,
): WritePlan {
  if (size > maxValueBytes) throw new MemoryValueTooLargeError(size, maxValueBytes, "memory.maxValueBytes");
  const chosen = enabled.filter((tier) => targets.includes(tier.name));
  const lowest = chosen.at(-1);
  if (lowest === undefined) return { write: [], clear: enabled.map((tier) => tier.name), mask: 0 };
  if (lowest.maxBytes > 0 && size > lowest.maxBytes) {
    throw new MemoryValueTooLargeError(size, lowest.maxBytes, `memory.${lowest.name}.maxBytes`);
  }
  const write = chosen.filter((tier) => tier === lowest || admits(tier, size)).map((tier) => tier.name);
  const clear = enabled.map((tier) => tier.name).filter((name) => !write.includes(name));
  return { write: write.reverse(), clear, mask: tierMask(chosen.map((tier) => tier.name)) };
}

/** Tiers a hit in `hitTier` is copied into: those above it that the entry may live in and that admit it. */
export function promotionTargets(
  enabled: readonly TierLimits[],
  hitTier: TierName,
  mask: number,
  size: number,
): TierName[] {
  const index = enabled.findIndex((tier) => tier.name === hitTier);
  if (index <= 0) return [];
  return enabled
    .slice(0, index)
    .filter((tier) => inMask(mask, tier.name) && admits(tier, size))
    .map((tier) => tier.name);
}

/** Tiers whose idle copies are demoted: all but the durable one. */
export function demotableTiers(enabled: readonly TierLimits[]): TierName[] {
  return enabled.slice(0, -1).map((tier) => tier.name);
}

/**
 * Where an idle copy in `from` goes: the next enabled tier below that the entry may live in.
 * Undefined: nowhere (the entry was put only in upper tiers), so the copy stays until it expires
 * or is evicted rather than being dropped.
 */
export function demotionTarget(
  enabled: readonly TierLimits[],
  from: TierName,
  mask: number,
): TierName | undefined {
  const index = enabled.findIndex((tier) => tier.name === from);
  if (index < 0) return undefined;
  return enabled.slice(index + 1).find((tier) => inMask(mask, tier.name))?.name;
}

/** Copies last read before this instant are idle; undefined when demotion is off. */
export function idleBefore(now: number, demoteAfterMs: number): number | undefined {
  return demoteAfterMs > 0 ? now - demoteAfterMs : undefined;
}

/** Whether demotion must (re)write the copy below: it lacks the entry or holds an older version. */
export function needsCopyDown(
  below: { createdAt: number } | undefined,
  copy: { createdAt: number },
): boolean {
  return below === undefined || below.createdAt < copy.createdAt;
}

/**
 * Which of `candidates` (least recently read first) to evict so that `bytes` falls to `maxBytes`
 * or below; `keep` (the entry just written) is never chosen. maxBytes 0: nothing.
 */
export function evictionVictims(
  candidates: Iterable<{ key: string; size: number }>,
  bytes: number,
  maxBytes: number,
  keep?: string,
): { keys: string[]; bytesAfter: number } {
  const keys: string[] = [];
  let remaining = bytes;
  if (maxBytes === 0) return { keys, bytesAfter: remaining };
  for (const candidate of candidates) {
    if (remaining <= maxBytes) break;
    if (candidate.key === keep) continue;
    keys.push(candidate.key);
    remaining -= candidate.size;
  }
  return { keys, bytesAfter: remaining };
}
