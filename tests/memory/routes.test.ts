/**
 * The memory HTTP API (GET/PUT/DELETE /v1/hydra/memory/<key>, GET /v1/hydra/memory/stats) with
 * the gateway's body parser and error handler, over the embedded store; and `hydra memory ...`
 * (the compiled CLI) against it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerJsonBodyParser } from "../../src/gateway/body.js";
import { installErrorHandler } from "../../src/gateway/http-errors.js";
import { memoryRoutes } from "../../src/gateway/routes/memory.js";
import { memoryConfigSchema } from "../../src/memory/config.js";
import { openTieredMemory } from "../../src/memory/open.js";
import type { TieredMemory } from "../../src/memory/tiered-memory.js";

const BODY_LIMIT = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "hydra-memory-routes-"));

async function app(store: TieredMemory | undefined): Promise<FastifyInstance> {
  const server = Fastify({ bodyLimit: BODY_LIMIT });
  registerJsonBodyParser(server);
  installErrorHandler(server, BODY_LIMIT);
  await server.register(async (scope) => memoryRoutes(scope, { store }));
  return server;
}

let store: TieredMemory;
let server: FastifyInstance;

beforeAll(async () => {
  const config = memoryConfigSchema.parse({ sweepIntervalMs: 0, maxValueBytes: 64 * 1024 });
  const opened = await openTieredMemory(config, { dataDir: dir });
  if (opened === undefined) throw new Error("memory is disabled");
  store = opened;
  server = await app(store);
});

afterAll(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (key: string, payload: unknown) =>
  server.inject({ method: "PUT", url: `/v1/hydra/memory/${key}`, payload: payload as object });

describe("memory routes", () => {
  it("stores JSON and reads it back with the tier that served it", async () => {
    const stored = await put("greeting", { value: { text: "hi" }, ttlMs: 60_000, namespace: "demo" });
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toMatchObject({ key: "greeting", kind: "json", size: 13, tiers: ["l1", "l2"] });
    expect(Date.parse(stored.json().expiresAt)).toBeGreaterThan(Date.now());
    const read = await server.inject({ url: "/v1/hydra/memory/greeting" });
    expect(read.statusCode).toBe(200);
    expect(read.headers["x-hydra-memory-tier"]).toBe("l1");
    expect(read.json()).toMatchObject({
      key: "greeting",
      tier: "l1",
      kind: "json",
      value: { text: "hi" },
      namespace: "demo",
    });
  });

  it("takes keys with slashes, spaces and Unicode (percent-encoded or not)", async () => {
    expect((await put("a/b c/%E6%97%A5", { value: 1 })).statusCode).toBe(200);
    const read = await server.inject({ url: "/v1/hydra/memory/a%2Fb%20c%2F%E6%97%A5" });
    expect(read.json()).toMatchObject({ key: "a/b c/日", value: 1 });
  });

  it("stores bytes sent as application/octet-stream, options in the query string", async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const stored = await server.inject({
      method: "PUT",
      url: "/v1/hydra/memory/blob?ttlMs=5000&tiers=l2",
      headers: { "content-type": "application/octet-stream" },
      payload: bytes,
    });
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toMatchObject({ kind: "bytes", size: 4, tiers: ["l2"] });
    const asJson = await server.inject({ url: "/v1/hydra/memory/blob" });
    expect(asJson.json()).toMatchObject({ kind: "bytes", base64: bytes.toString("base64"), tier: "l2" });
    const raw = await server.inject({
      url: "/v1/hydra/memory/blob",
      headers: { accept: "application/octet-stream" },
    });
    expect(raw.headers["content-type"]).toBe("application/octet-stream");
    expect(raw.rawPayload).toEqual(bytes);
  });

  it("stores bytes sent as base64 in JSON", async () => {
    expect((await put("b64", { base64: Buffer.from("hello").toString("base64") })).json()).toMatchObject({
      kind: "bytes",
      size: 5,
    });
  });

  it("deletes a key, and says when there was nothing to delete", async () => {
    await put("gone", { value: "x" });
    const deleted = await server.inject({ method: "DELETE", url: "/v1/hydra/memory/gone" });
    expect(deleted.json()).toEqual({ key: "gone", deleted: true });
    const again = await server.inject({ method: "DELETE", url: "/v1/hydra/memory/gone" });
    expect(again.json()).toEqual({ key: "gone", deleted: false });
  });

  it("answers 404 with a code for a key that is not stored", async () => {
    const read = await server.inject({ url: "/v1/hydra/memory/never" });
    expect(read.statusCode).toBe(404);
    expect(read.json()).toEqual({
      error: 'no memory entry for key "never": it was never stored, or was deleted, expired or evicted',
      code: "HYDRA_ERR_MEMORY_NOT_FOUND",
    });
  });

  it("reports per-tier statistics", async () => {
    const stats = await server.inject({ url: "/v1/hydra/memory/stats" });
    expect(stats.statusCode).toBe(200);
    const body = stats.json();
    expect(body).toMatchObject({ enabled: true, durableTier: "l2" });
    expect(body.tiers.map((tier: { tier: string; backend: string }) => [tier.tier, tier.backend])).toEqual([
      ["l1", "memory"],
      ["l2", "sqlite"],
    ]);
    for (const field of ["hits", "misses", "bytes", "entries", "evictions", "promotions", "demotions"]) {
      expect(typeof body.tiers[0][field]).toBe("number");
    }
  });
});

describe("memory routes: bad input gets a 4xx that says what to fix", () => {
  it.each([
    [
      "an oversized value",
      "big",
      { value: "x".repeat(70 * 1024) },
      413,
      /larger than the limit of 65536 bytes \(memory\.maxValueBytes\)/,
    ],
    [
      "an unknown tier",
      "k",
      { value: 1, tiers: ["l4"] },
      400,
      /unknown tier "l4": use l1, l2, l3 \(enabled here: l1, l2\)/,
    ],
    [
      "a tier not enabled",
      "k",
      { value: 1, tiers: ["l3"] },
      400,
      /tier l3 is not enabled.*memory\.postgres\.url/,
    ],
    [
      "a negative TTL",
      "k",
      { value: 1, ttlMs: -5 },
      400,
      /invalid ttlMs -5: use a whole number of milliseconds/,
    ],
    ["a TTL as text", "k", { value: 1, ttlMs: "soon" }, 400, /invalid ttlMs "soon"/],
    ["neither value nor base64", "k", { ttlMs: 5 }, 400, /send exactly one of "value".*or "base64"/],
    ["both value and base64", "k", { value: 1, base64: "AA==" }, 400, /send exactly one of/],
    ["bad base64", "k", { base64: "not base64!" }, 400, /base64 is not valid base64/],
    ["an unknown field", "k", { value: 1, ttl: 5 }, 400, /ttl/],
    ["a body that is not an object", "k", [1, 2], 400, /must be a JSON object/],
    ["a key with a control character", "a%09b", { value: 1 }, 400, /control character U\+0009/],
    ["a key that is too long", "k".repeat(600), { value: 1 }, 400, /600 characters long; use at most 512/],
    ["the reserved key stats", "stats", { value: 1 }, 400, /cannot be read back over HTTP/],
  ])("%s", async (_name, key, payload, status, message) => {
    const response = await put(key, payload);
    expect(response.statusCode).toBe(status);
    expect(response.json().error).toMatch(message);
    expect(response.json().code).toMatch(/^HYDRA_ERR_/);
  });

  it("an empty body", async () => {
    const response = await server.inject({ method: "PUT", url: "/v1/hydra/memory/k" });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatch(/request body is empty/);
  });

  it("an empty key", async () => {
    const response = await server.inject({ url: "/v1/hydra/memory/" });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatch(/the memory key is empty/);
  });

  it("a TTL in the query string that is not a number", async () => {
    const response = await server.inject({
      method: "PUT",
      url: "/v1/hydra/memory/k?ttlMs=1h",
      headers: { "content-type": "application/octet-stream" },
      payload: Buffer.from("x"),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatch(/invalid ttlMs "1h"/);
  });
});

describe("memory routes over a store opened on first use", () => {
  it("take a function that returns the store", async () => {
    let calls = 0;
    const server2 = Fastify({ bodyLimit: BODY_LIMIT });
    registerJsonBodyParser(server2);
    installErrorHandler(server2, BODY_LIMIT);
    await server2.register(async (scope) =>
      memoryRoutes(scope, {
        store: async () => {
          calls++;
          return store;
        },
      }),
    );
    try {
      expect(
        (await server2.inject({ method: "PUT", url: "/v1/hydra/memory/lazy", payload: { value: 1 } }))
          .statusCode,
      ).toBe(200);
      expect((await server2.inject({ url: "/v1/hydra/memory/lazy" })).json()).toMatchObject({ value: 1 });
      expect(calls).toBe(2);
    } finally {
      await server2.close();
    }
  });
});

describe("memory routes with memory off", () => {
  it("answer 503 saying how to turn memory on", async () => {
    const off = await app(undefined);
    try {
      for (const request of [
        { url: "/v1/hydra/memory/stats" },
        { url: "/v1/hydra/memory/k" },
        { method: "PUT" as const, url: "/v1/hydra/memory/k", payload: { value: 1 } },
        { method: "DELETE" as const, url: "/v1/hydra/memory/k" },
      ]) {
        const response = await off.inject(request);
        expect(response.statusCode).toBe(503);
        expect(response.json()).toMatchObject({ code: "HYDRA_ERR_MEMORY_DISABLED" });
        expect(response.json().error).toMatch(/memory\.enabled: true/);
      }
    } finally {
      await off.close();
    }
  });
});

// The compiled CLI, as users run it (`npm test` builds first).
const CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
const run = promisify(execFile);

describe("hydra memory (CLI)", () => {
  let url: string;
  let cliServer: FastifyInstance;

  beforeAll(async () => {
    cliServer = await app(store);
    url = await cliServer.listen({ host: "127.0.0.1", port: 0 });
  });

  afterAll(async () => {
    await cliServer.close();
  });

  function hydra(args: string[]) {
    return run(process.execPath, [CLI, "memory", ...args, "--gateway", url], { timeout: 20_000 }).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: error.stdout,
        stderr: error.stderr,
      }),
    );
  }

  it("puts, gets and deletes a value", async () => {
    const put = await hydra(["put", "cli/one", '{"a": [1, 2]}', "--parse", "--ttl-ms", "60000"]);
    expect(put.code).toBe(0);
    expect(put.stdout).toMatch(/^stored cli\/one \(11 B\) in l1, l2, expires \d{4}-/);
    const get = await hydra(["get", "cli/one"]);
    expect(JSON.parse(get.stdout)).toEqual({ a: [1, 2] });
    const text = await hydra(["put", "cli/two", "plain words"]);
    expect(text.code).toBe(0);
    expect((await hydra(["get", "cli/two"])).stdout).toBe("plain words\n");
    expect((await hydra(["delete", "cli/one"])).stdout).toBe("deleted cli/one\n");
    expect((await hydra(["delete", "cli/one"])).stdout).toBe("cli/one was not stored\n");
  });

  it("stores a file's bytes and prints them back unchanged", async () => {
    const file = join(dir, "blob.bin");
    writeFileSync(file, Buffer.from([1, 2, 3, 250]));
    expect((await hydra(["put", "cli/blob", "--file", file, "--tier", "l2"])).stdout).toMatch(/in l2$/m);
    const get = await run(process.execPath, [CLI, "memory", "get", "cli/blob", "--gateway", url], {
      encoding: "buffer",
    });
    expect(get.stdout).toEqual(Buffer.from([1, 2, 3, 250]));
  });

  it("shows the stats as a table", async () => {
    const stats = await hydra(["stats"]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^TIER\s+BACKEND\s+ENTRIES\s+BYTES\s+HITS\s+MISSES/);
    expect(stats.stdout).toMatch(/^l1\s+memory\s+\d+/m);
    expect(stats.stdout).toMatch(/^l2\*\s+sqlite\s+\d+\s+[\d.]+ \w+ \/ 1\.0 GiB/m);
    const json = JSON.parse((await hydra(["stats", "--json"])).stdout);
    expect(json.durableTier).toBe("l2");
  });

  it("exits 1 with the gateway's message on bad input", async () => {
    const result = await hydra(["put", "k", "v", "--tier", "l9"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/hydra: the gateway answered HTTP 400: unknown tier "l9"/);
    const missing = await hydra(["get", "no-such-key"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/HTTP 404: no memory entry for key "no-such-key"/);
  });

  it("says when the gateway cannot be reached", async () => {
    const result = await run(process.execPath, [
      CLI,
      "memory",
      "stats",
      "--gateway",
      "http://127.0.0.1:1",
    ]).catch((error: { code: number; stderr: string }) => error);
    expect(result).toMatchObject({ code: 1 });
    expect((result as { stderr: string }).stderr).toMatch(
      /cannot reach the gateway at http:\/\/127\.0\.0\.1:1/,
    );
  });

  it("prints search results from the semantic memory route", async () => {
    const fake = Fastify();
    fake.post("/v1/hydra/memory/search", async (request) => ({
      model: "nomic-embed-text",
      dimension: 768,
      k: (request.body as { k: number }).k,
      results: [
        {
          id: "doc-1",
          score: 0.91234,
          distance: 0.08,
          namespace: "notes",
          text: "the cluster\nruns",
          metadata: null,
        },
      ],
    }));
    const fakeUrl = await fake.listen({ host: "127.0.0.1", port: 0 });
    try {
      const { stdout } = await run(process.execPath, [
        CLI,
        "memory",
        "search",
        "cluster",
        "--k",
        "3",
        "--gateway",
        fakeUrl,
      ]);
      expect(stdout).toMatch(/^SCORE\s+ID\s+NAMESPACE\s+TEXT/);
      expect(stdout).toMatch(/0\.912\s+doc-1\s+notes\s+the cluster runs/);
    } finally {
      await fake.close();
    }
  });
});
