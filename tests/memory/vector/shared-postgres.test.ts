/**
 * Two gateways' semantic memories (each with its own sqlite-vec file) sharing one PostgreSQL schema
 * (the real server at 127.0.0.1:5432): what one remembers or forgets, the other sees within
 * moments; a gateway started later, restarted, or cut off from PostgreSQL catches up; writers of
 * one id agree on the winner; a gateway with another embedding model embeds the texts itself.
 * Embeddings come from the simulator's n-gram embedder, called in-process.
 */
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EmbedFunction } from "../../../src/memory/vector/embedder.js";
import { SemanticMemory, type SemanticMemoryOptions } from "../../../src/memory/vector/semantic-memory.js";
import { embedText } from "../../../src/sim/embeddings.js";
import {
  dropPostgresSchema,
  POSTGRES_URL,
  requirePostgres,
  uniquePostgresSchema,
} from "../../helpers/services.js";

const postgres = await requirePostgres();

const DIMENSIONS: Record<string, number> = { "nomic-embed-text": 64, "mxbai-embed-large": 96 };

/** The simulator's embeddings, with each model's dimension; counts the texts it embedded. */
function simEmbed(): EmbedFunction & { texts: number } {
  const embed = (async (model: string, inputs: string[]) => {
    embed.texts += inputs.length;
    return inputs.map((text) => embedText(text, DIMENSIONS[model] ?? 32));
  }) as EmbedFunction & { texts: number };
  embed.texts = 0;
  return embed;
}

/** Resolves once `check` holds, re-checking after each sync of `memory`; fails after `timeoutMs`. */
async function waitForSync(memory: SemanticMemory, check: () => boolean, timeoutMs = 5_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    const left = timeoutMs - (performance.now() - started);
    if (left <= 0) throw new Error(`not synced within ${timeoutMs} ms`);
    await once(memory, "synced", { signal: AbortSignal.timeout(Math.ceil(left)) }).catch(() => {});
  }
  return performance.now() - started;
}

describe.skipIf(!postgres.available)("semantic memory shared through PostgreSQL", () => {
  const schema = uniquePostgresSchema("vectors");
  let dir: string;
  const opened: SemanticMemory[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hydra-shared-vectors-"));
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((memory) => memory.close()));
  });

  afterAll(async () => {
    await dropPostgresSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  async function gateway(
    name: string,
    options: Partial<SemanticMemoryOptions> & { schemaName?: string } = {},
  ): Promise<SemanticMemory> {
    const memory = await SemanticMemory.open({
      file: join(dir, `${name}.db`),
      model: "nomic-embed-text",
      embed: simEmbed(),
      // A long poll: what arrives within the test's deadlines came by NOTIFY (or a reconnect).
      shared: {
        connectionString: POSTGRES_URL,
        schema: options.schemaName ?? schema,
        pollIntervalMs: 60_000,
        reconnectBaseMs: 50,
      },
      ...options,
    });
    opened.push(memory);
    return memory;
  }

  it("an entry remembered on one gateway is found by search on the other within moments", async () => {
    const a = await gateway("a1");
    const b = await gateway("b1");
    await a.remember("The cat sat on the warm mat", { source: "a" }, "pets", { id: "cat" });
    await a.remember("Quarterly GPU revenue grew strongly", undefined, undefined, { id: "gpu" });
    const waited = await waitForSync(b, () => b.get("gpu") !== undefined);
    expect(waited).toBeLessThan(5_000);
    const hits = await b.search("a cat on a mat", 1);
    expect(hits[0]).toMatchObject({ id: "cat", namespace: "pets", metadata: { source: "a" } });
    expect(hits[0]?.score).toBeCloseTo((await a.search("a cat on a mat", 1))[0]?.score ?? 0, 5);
    // b took a's vectors as they were: it embedded only its own query.
    expect(b.embedder.stats.texts).toBe(1);
  });

  it("an entry forgotten on one gateway disappears from the other", async () => {
    const a = await gateway("a2");
    const b = await gateway("b2");
    await a.remember("Temporary note about llamas", undefined, undefined, { id: "temp" });
    await waitForSync(b, () => b.get("temp") !== undefined);
    expect(await b.forget("temp")).toBe(true);
    expect(b.get("temp")).toBeUndefined();
    await waitForSync(a, () => a.get("temp") === undefined);
    expect(await a.forget("temp")).toBe(false);
  });

  it("a gateway started later catches up, and after a restart reads only what is new", async () => {
    const a = await gateway("a3");
    await a.remember("First shared memory", undefined, undefined, { id: "first" });
    const late = await gateway("late");
    expect(late.get("first")).toMatchObject({ text: "First shared memory" });
    const watermark = late.stats().shared?.watermark ?? 0;
    expect(watermark).toBeGreaterThan(0);
    await late.close();
    opened.splice(opened.indexOf(late), 1);

    await a.remember("Written while the other gateway was down", undefined, undefined, { id: "while-down" });
    const restarted = await gateway("late");
    expect(restarted.get("while-down")).toBeDefined();
    expect(restarted.stats().shared?.watermark).toBeGreaterThan(watermark);
    expect(restarted.index.count()).toBe(a.index.count());
  });

  it("after its listening connection is cut, a gateway reconnects and catches up", async () => {
    const a = await gateway("a4");
    const b = await gateway("b4");
    const pid = b.shared?.listenerProcessId();
    expect(pid).toBeTypeOf("number");
    const lost = once(b.shared as NonNullable<typeof b.shared>, "listener-lost");
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    } finally {
      await admin.end();
    }
    await lost;
    await a.remember("Remembered while the listener was away", undefined, undefined, { id: "away" });
    await waitForSync(b, () => b.get("away") !== undefined);
    expect(b.shared?.listening).toBe(true);
  });

  it("two gateways writing one id at once end with the same entry", async () => {
    const a = await gateway("a5");
    const b = await gateway("b5");
    await Promise.all([
      a.remember("version from gateway a", undefined, undefined, { id: "contested" }),
      b.remember("version from gateway b", undefined, undefined, { id: "contested" }),
    ]);
    await waitForSync(a, () => a.get("contested")?.text === b.get("contested")?.text);
    await waitForSync(b, () => a.get("contested")?.text === b.get("contested")?.text);
    const hit = (await a.search("version from gateway", 1))[0];
    expect(hit?.id).toBe("contested");
    expect(hit?.text).toBe(b.get("contested")?.text);
  });

  it("a gateway with another embedding model embeds the shared texts with its own", async () => {
    const own = uniquePostgresSchema("vectors_models");
    try {
      const a = await gateway("a6", { schemaName: own });
      await a.remember("The cat sat on the mat", undefined, undefined, { id: "cat" });
      await a.remember("GPU revenue grew", undefined, undefined, { id: "gpu" });
      const embed = simEmbed();
      const other = await gateway("other6", { schemaName: own, model: "mxbai-embed-large", embed });
      expect(other.index.dimension).toBe(96);
      expect(embed.texts).toBe(2);
      expect((await other.search("a cat on the mat", 1))[0]?.id).toBe("cat");
      // And the first gateway still searches its own 64-dimensional vectors.
      await other.remember("Pasta boils in ten minutes", undefined, undefined, { id: "pasta" });
      await waitForSync(a, () => a.get("pasta") !== undefined);
      expect(a.index.dimension).toBe(64);
      expect((await a.search("boil pasta", 1))[0]?.id).toBe("pasta");
    } finally {
      await Promise.all(opened.splice(0).map((memory) => memory.close()));
      await dropPostgresSchema(own);
    }
  });
});
