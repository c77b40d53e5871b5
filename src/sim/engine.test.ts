import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { parseSimNodeConfig, type SimNodeInput } from "./config.js";
import { type GenerateInput, SimEngine } from "./engine.js";
import type { SimModel } from "./models.js";
import { AbortedError, QueueFullError } from "./scheduler.js";

// 100 ms per token, 10 ms per prompt token, 1 s per 1000 MiB loaded.
const BASE: SimNodeInput = {
  name: "t",
  num_parallel: 1,
  vram_mb: 3000,
  prefill_tps: 100,
  decode_tps: 10,
  load_mbps: 1000,
  models: [
    { name: "small", size_mb: 500 },
    { name: "big-a", size_mb: 2000 },
    { name: "big-b", size_mb: 2000 },
    { name: "embed", size_mb: 100, embedding_dim: 64 },
  ],
  catalog: [{ name: "fresh:1b", size_mb: 100 }],
};

function setup(overrides: SimNodeInput = {}) {
  const clock = new ManualClock();
  const engine = new SimEngine(parseSimNodeConfig({ ...BASE, ...overrides }), { clock });
  const model = (name: string) => engine.findModel(name) as SimModel;
  const input = (name: string, extra: Partial<GenerateInput> = {}): GenerateInput => ({
    model: model(name),
    promptText: "hello",
    promptTokens: 10,
    keywords: [],
    think: false,
    keepAliveMs: 60_000,
    options: { num_predict: 3 },
    ...extra,
  });
  return { clock, engine, model, input };
}

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>): { readonly done: boolean; promise: Promise<T> } {
  const state = { done: false, promise };
  promise.then(
    () => {
      state.done = true;
    },
    () => {
      state.done = true;
    },
  );
  return state;
}

describe("SimEngine timing", () => {
  it("takes load + prefill + one decode step to the first token, then one step per token", async () => {
    const { clock, engine, input } = setup();
    const starting = track(engine.generate(input("small")));
    await clock.advance(499);
    expect(starting.done).toBe(false);
    await clock.advance(1);
    const session = await starting.promise;
    expect(session.acquisition.loadMs).toBe(500);

    const steps = session.steps();
    const first = track(steps.next());
    await clock.advance(199); // prefill 100 ms + first token 100 ms
    expect(first.done).toBe(false);
    await clock.advance(1);
    expect((await first.promise).done).toBe(false);
    const second = track(steps.next());
    await clock.advance(100);
    expect(second.done).toBe(true);
    await clock.advance(100);
    await steps.next();
    expect(await steps.next()).toMatchObject({ done: true });

    expect(session.stats()).toEqual({
      total_duration: 900e6,
      load_duration: 500e6,
      prompt_eval_count: 10,
      prompt_eval_duration: 100e6,
      eval_count: 3,
      eval_duration: 300e6,
    });
    session.release();
  });

  it("holds the first token back by a slow_first_token delay", async () => {
    const { clock, engine, input } = setup({ models: [{ name: "small", size_mb: 500, loaded: true }] });
    const session = await engine.generate(input("small", { firstTokenDelayMs: 300 }));
    const first = track(session.steps().next());
    await clock.advance(499); // prefill 100 + delay 300 + first token 100
    expect(first.done).toBe(false);
    await clock.advance(1);
    expect(first.done).toBe(true);
    session.release();
  });

  it("makes the second request wait for the only slot and counts the wait as load time, like Ollama", async () => {
    const { clock, engine, input } = setup();
    const first = await (async () => {
      const p = engine.generate(input("small"));
      await clock.advance(500);
      return p;
    })();
    const second = track(engine.generate(input("small")));
    await clock.advance(1000);
    expect(second.done).toBe(false);
    expect(engine.scheduler.queued).toBe(1);
    first.release();
    await clock.advance(0);
    const session = await second.promise;
    expect(session.acquisition.loadMs).toBe(0);
    expect(session.stats().load_duration).toBe(1000e6);
    session.release();
  });

  it("loads a model once for requests that arrive together", async () => {
    const { clock, engine, input } = setup({ num_parallel: 2 });
    const a = track(engine.generate(input("small")));
    const b = track(engine.generate(input("small")));
    await clock.advance(500);
    expect([a.done, b.done]).toEqual([true, true]);
    const [sa, sb] = [await a.promise, await b.promise];
    expect([sa.acquisition.loadMs, sb.acquisition.loadMs]).toEqual([500, 0]);
    expect(engine.vram.list()).toHaveLength(1);
    sa.release();
    sb.release();
  });

  it("evicts the least recently used idle model to load another", async () => {
    const { clock, engine, model } = setup();
    for (const name of ["big-a", "big-b"]) {
      const loading = engine.load(model(name), 60_000);
      await clock.advance(2000);
      await loading;
    }
    expect(engine.running().map((r) => r.name)).toEqual(["big-b:latest"]);
  });

  it("waits for a busy model to finish before evicting it", async () => {
    const { clock, engine, input, model } = setup({ num_parallel: 2 });
    const busy = engine.generate(input("big-a"));
    await clock.advance(2000);
    const session = await busy;
    const other = track(engine.load(model("big-b"), 60_000));
    await clock.advance(5000);
    expect(other.done).toBe(false);
    session.release();
    await clock.advance(2000);
    expect(other.done).toBe(true);
    expect(engine.running().map((r) => r.name)).toEqual(["big-b:latest"]);
  });

  it("unloads after keep_alive, or right away with keep_alive 0, and shows expires_at in ps", async () => {
    const { clock, engine, model } = setup();
    const loading = engine.load(model("small"), 1000);
    await clock.advance(500);
    await loading;
    const [ps] = engine.running();
    expect(ps?.expiresAtWall).toBe(clock.wallNow() + 1000);
    await clock.advance(999);
    expect(engine.running()).toHaveLength(1);
    await clock.advance(2);
    expect(engine.running()).toHaveLength(0);

    const again = engine.load(model("small"), 0);
    await clock.advance(500);
    await again;
    expect(engine.running()).toHaveLength(0);
  });

  it("refuses with server busy when the queue is full", async () => {
    const { clock, engine, input } = setup({ max_queue: 0 });
    const first = engine.generate(input("small"));
    await clock.advance(500);
    await expect(engine.generate(input("small"))).rejects.toBeInstanceOf(QueueFullError);
    (await first).release();
  });

  it("never sleeps in zero-latency mode but still reports modelled durations", async () => {
    const { clock, engine, input } = setup({ zero_latency: true });
    const session = await engine.generate(input("small"));
    const steps = [];
    for await (const step of session.steps()) steps.push(step);
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(0);
    expect(steps).toHaveLength(3);
    expect(session.stats()).toMatchObject({ load_duration: 500e6, eval_duration: 300e6 });
    session.release();
  });

  it("wakes sleeping answers and queued requests when the node closes", async () => {
    const { clock, engine, input } = setup();
    const loading = engine.generate(input("small"));
    await clock.advance(500);
    const session = await loading;
    const queued = engine.generate(input("small"));
    const next = session.steps().next();
    engine.close();
    await expect(next).rejects.toBeInstanceOf(AbortedError);
    await expect(queued).rejects.toBeInstanceOf(AbortedError);
  });
});

describe("SimEngine models", () => {
  it("pulls a catalog model with progress and installs it", async () => {
    const { engine } = setup({ zero_latency: true });
    const updates = [];
    for await (const update of engine.pull("fresh:1b")) updates.push(update);
    expect(updates[0]).toEqual({ status: "pulling manifest" });
    expect(updates.slice(-3).map((u) => u.status)).toEqual([
      "verifying sha256 digest",
      "writing manifest",
      "success",
    ]);
    const layer = updates.find((u) => u.completed !== undefined);
    expect(layer?.status).toMatch(/^pulling [0-9a-f]{12}$/);
    expect(layer?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(engine.findModel("fresh:1b")?.sizeMb).toBe(100);
  });

  it("fails a pull of an unknown model after the manifest step, with Ollama's message", async () => {
    const { engine } = setup({ zero_latency: true });
    const updates: unknown[] = [];
    await expect(
      (async () => {
        for await (const update of engine.pull("nope:9b")) updates.push(update);
      })(),
    ).rejects.toThrow("pull model manifest: file does not exist");
    expect(updates).toEqual([{ status: "pulling manifest" }]);
  });

  it("copies a model under a new name with the same digest, and deletes it", () => {
    const { engine } = setup();
    const copy = engine.copyModel("small", "mine/small:v2");
    expect(copy?.name).toBe("mine/small:v2");
    expect(copy?.digest).toBe(engine.findModel("small")?.digest);
    expect(engine.deleteModel("mine/small:v2")).toBe(true);
    expect(engine.deleteModel("mine/small:v2")).toBe(false);
  });

  it("embeds with the model's dimension, shortened and renormalised on request", async () => {
    const { engine, model } = setup({ zero_latency: true });
    const full = await engine.embed(model("embed"), ["one text", "another text"], { keepAliveMs: 1000 });
    expect(full.embeddings.map((v) => v.length)).toEqual([64, 64]);
    const short = await engine.embed(model("embed"), ["one text"], { keepAliveMs: 1000, dimensions: 16 });
    expect(short.embeddings[0]).toHaveLength(16);
    expect(Math.hypot(...(short.embeddings[0] ?? []))).toBeCloseTo(1, 10);
  });

  it("refuses input longer than the context when truncation is off", async () => {
    const { engine, model } = setup({
      zero_latency: true,
      models: [{ name: "tiny-embed", size_mb: 10, embedding_dim: 8, context_length: 4 }],
    });
    await expect(
      engine.embed(model("tiny-embed"), ["one two three four five"], { keepAliveMs: 0, truncate: false }),
    ).rejects.toThrow("the input length exceeds the context length");
    const cut = await engine.embed(model("tiny-embed"), ["one two three four five"], { keepAliveMs: 0 });
    expect(cut.promptTokens).toBe(4);
  });
});
