/**
 * Which models sit in a node's VRAM. A model that must load evicts idle models, least recently
 * used first; if the busy ones leave too little room, it waits. Idle models unload when their
 * keep_alive runs out. Pure state: every method takes `now` (ms), nothing runs on a timer —
 * expiry happens lazily in sweep(), which callers run before reading or changing state.
 */

export interface LoadedModel {
  key: string;
  name: string;
  sizeMb: number;
  /** Part of the model held in VRAM (a model bigger than the card is partly offloaded). */
  vramMb: number;
  status: "loading" | "ready";
  /** Requests using the model right now. */
  refs: number;
  loadedAt: number;
  lastUsed: number;
  /** keep_alive of the latest request, ms; Infinity = forever. */
  keepAliveMs: number;
  /** When an idle model unloads; meaningful once refs drops to 0. */
  expiresAt: number;
  /** An unload was asked for while requests were running: unload when they finish. */
  unloadWhenIdle: boolean;
}

export type LoadDecision =
  | { kind: "ready" }
  | { kind: "loading" }
  | { kind: "load"; evict: string[] }
  | { kind: "blocked" };

export class VramManager {
  private readonly models = new Map<string, LoadedModel>();

  constructor(readonly capacityMb: number) {}

  get usedMb(): number {
    let used = 0;
    for (const model of this.models.values()) used += model.vramMb;
    return used;
  }

  get(key: string): LoadedModel | undefined {
    return this.models.get(key);
  }

  list(): LoadedModel[] {
    return [...this.models.values()];
  }

  /** Unloads idle models whose keep_alive has run out; returns their keys. */
  sweep(now: number): string[] {
    const expired: string[] = [];
    for (const model of this.models.values()) {
      if (model.status === "ready" && model.refs === 0 && model.expiresAt <= now) expired.push(model.key);
    }
    for (const key of expired) this.models.delete(key);
    return expired;
  }

  /** What it takes to run `key` now. */
  decide(key: string, sizeMb: number): LoadDecision {
    const existing = this.models.get(key);
    if (existing) return { kind: existing.status === "ready" ? "ready" : "loading" };
    const need = Math.min(sizeMb, this.capacityMb);
    let free = this.capacityMb - this.usedMb;
    if (free >= need) return { kind: "load", evict: [] };
    const idle = [...this.models.values()]
      .filter((m) => m.refs === 0 && m.status === "ready")
      .sort((a, b) => a.lastUsed - b.lastUsed);
    const evict: string[] = [];
    for (const model of idle) {
      evict.push(model.key);
      free += model.vramMb;
      if (free >= need) return { kind: "load", evict };
    }
    return { kind: "blocked" };
  }

  /** Evicts `evict` and reserves room for `key`, which the caller is now loading (refs = 1). */
  startLoad(
    key: string,
    name: string,
    sizeMb: number,
    now: number,
    keepAliveMs: number,
    evict: string[],
  ): void {
    for (const victim of evict) this.models.delete(victim);
    this.models.set(key, {
      key,
      name,
      sizeMb,
      vramMb: Math.min(sizeMb, this.capacityMb),
      status: "loading",
      refs: 1,
      loadedAt: now,
      lastUsed: now,
      keepAliveMs,
      expiresAt: now + keepAliveMs,
      unloadWhenIdle: false,
    });
  }

  finishLoad(key: string, now: number): void {
    const model = this.models.get(key);
    if (!model) return;
    model.status = "ready";
    model.loadedAt = now;
    model.lastUsed = now;
  }

  /** The load was abandoned (request canceled mid-load): free the reservation. */
  abortLoad(key: string): void {
    const model = this.models.get(key);
    if (model?.status === "loading") this.models.delete(key);
  }

  /** Another request starts using a ready model. */
  use(key: string, now: number, keepAliveMs: number): void {
    const model = this.models.get(key);
    if (!model) throw new Error(`model ${key} is not loaded`);
    model.refs++;
    model.lastUsed = now;
    model.keepAliveMs = keepAliveMs;
    // A new request sets the session length again, overriding an earlier unload request (as in Ollama).
    model.unloadWhenIdle = false;
  }

  /**
   * A request is done with the model. Its keep_alive decides how long the model stays once
   * idle; 0 unloads it as soon as nobody uses it.
   */
  release(key: string, now: number, keepAliveMs: number): void {
    const model = this.models.get(key);
    if (!model) return;
    model.refs = Math.max(0, model.refs - 1);
    model.lastUsed = now;
    model.keepAliveMs = keepAliveMs;
    model.expiresAt = now + keepAliveMs;
    if (model.refs === 0 && (keepAliveMs <= 0 || model.unloadWhenIdle)) this.models.delete(key);
  }

  /** Unload as soon as idle (keep_alive 0 with an empty prompt, or the model was deleted). */
  expire(key: string, now: number): void {
    const model = this.models.get(key);
    if (!model) return;
    model.keepAliveMs = 0;
    model.expiresAt = now;
    model.unloadWhenIdle = true;
    if (model.refs === 0 && model.status === "ready") this.models.delete(key);
  }

  /** The moment an idle model would unload, as Ollama shows it in /api/ps. */
  expiresAt(model: LoadedModel, now: number): number {
    return model.refs > 0 ? now + model.keepAliveMs : model.expiresAt;
  }
}
