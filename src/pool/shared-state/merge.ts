/**
 * The decisions of shared state, as pure functions over plain data: how learned statistics move
 * between this gateway's node names and the shared node keys, whose statistics win when a snapshot
 * meets what this gateway learned itself, which health changes other gateways are told of, and
 * which stored ejections still apply.
 */
import type { HealthChange } from "../health/monitor.js";
import type { LearnedStatsSnapshot, ModelStats, NodeRates, PairStats } from "../router/learned-stats.js";
import { decodeEjection } from "./messages.js";

/**
 * The longest another gateway's ejection holds a node out here. A clock far ahead, or a corrupt
 * entry, must not keep a node out for hours; when this is over this gateway probes it itself.
 */
export const MAX_REMOTE_EJECTION_MS = 5 * 60_000;

/** This gateway's snapshot (nodes by name) as shared (nodes by key); nodes without a key are left out. */
export function toSharedStats(
  local: LearnedStatsSnapshot,
  keyOf: (name: string) => string | undefined,
): LearnedStatsSnapshot {
  return renameNodes(local, keyOf);
}

/** A shared snapshot (nodes by key) as this gateway's (by name); nodes it does not have are left out. */
export function fromSharedStats(
  shared: LearnedStatsSnapshot,
  nameOf: (key: string) => string | undefined,
): LearnedStatsSnapshot {
  return renameNodes(shared, nameOf);
}

/**
 * Per node × model, and per model, the side with more samples wins (a tie keeps this gateway's):
 * both sides fold the same stream of samples while connected, so the larger count is the one that
 * saw more of it (e.g. a snapshot written before this gateway started, or during its outage).
 * EWMAs cannot be averaged into a meaningful whole, so one side is taken as it is.
 */
export function mergeStatsSnapshots(
  local: LearnedStatsSnapshot,
  remote: LearnedStatsSnapshot,
): LearnedStatsSnapshot {
  const nodes = new Map<string, Map<string, PairStats>>();
  for (const side of [remote, local]) {
    for (const [node, models] of Object.entries(side.nodes)) {
      const merged = nodes.get(node) ?? new Map<string, PairStats>();
      for (const [model, pair] of Object.entries(models)) merged.set(model, richer(merged.get(model), pair));
      nodes.set(node, merged);
    }
  }
  const models = new Map<string, ModelStats>();
  for (const side of [remote, local]) {
    for (const [model, stats] of Object.entries(side.models))
      models.set(model, richer(models.get(model), stats));
  }
  const hardware = new Map<string, NodeRates>();
  for (const side of [remote, local]) {
    for (const [node, rates] of Object.entries(side.hardware ?? {}))
      hardware.set(node, richer(hardware.get(node), rates));
  }
  // fromEntries defines own properties, so a model named "__proto__" stays data.
  return {
    version: 1,
    nodes: Object.fromEntries([...nodes].map(([node, pairs]) => [node, Object.fromEntries(pairs)])),
    models: Object.fromEntries(models),
    hardware: Object.fromEntries(hardware),
  };
}

/** What other gateways are told of a health change: nothing for a change they caused themselves. */
export function announcementOf(change: HealthChange): "eject" | "recover" | undefined {
  if (change.remote === true) return undefined;
  if (change.to === "open") return "eject";
  // Only a readmission: a degraded node answering again was never out.
  if (change.to === "closed" && change.from === "half-open") return "recover";
  return undefined;
}

/** Until when another gateway's ejection holds the node out here, or undefined when it is over. */
export function remoteEjectionUntil(openUntil: number, now: number): number | undefined {
  if (!(openUntil > now)) return undefined;
  return Math.min(openUntil, now + MAX_REMOTE_EJECTION_MS);
}

export interface StoredEjection {
  key: string;
  openUntil: number;
  reason: string;
}

/**
 * The entries of the ejections hash that still hold a node out (clamped as remoteEjectionUntil
 * says), and how many fields were not valid entries. Entries this gateway wrote are skipped.
 */
export function liveEjections(
  fields: Record<string, string>,
  now: number,
  self: string,
): { live: StoredEjection[]; invalid: number } {
  const live: StoredEjection[] = [];
  let invalid = 0;
  for (const [key, raw] of Object.entries(fields)) {
    const entry = decodeEjection(raw);
    if (!entry.ok) {
      invalid++;
      continue;
    }
    if (entry.value.from === self) continue;
    const openUntil = remoteEjectionUntil(entry.value.openUntil, now);
    if (openUntil !== undefined) live.push({ key, openUntil, reason: entry.value.reason });
  }
  return { live, invalid };
}

function renameNodes(
  snapshot: LearnedStatsSnapshot,
  rename: (node: string) => string | undefined,
): LearnedStatsSnapshot {
  const nodes: [string, Record<string, PairStats>][] = [];
  for (const [node, models] of Object.entries(snapshot.nodes)) {
    const renamed = rename(node);
    if (renamed !== undefined) nodes.push([renamed, Object.fromEntries(Object.entries(models))]);
  }
  const hardware: [string, NodeRates][] = [];
  for (const [node, rates] of Object.entries(snapshot.hardware ?? {})) {
    const renamed = rename(node);
    if (renamed !== undefined) hardware.push([renamed, rates]);
  }
  return {
    version: 1,
    nodes: Object.fromEntries(nodes),
    models: Object.fromEntries(Object.entries(snapshot.models)),
    hardware: Object.fromEntries(hardware),
  };
}

function richer<T extends { samples: number }>(current: T | undefined, candidate: T): T {
  return current === undefined || candidate.samples >= current.samples ? { ...candidate } : current;
}
