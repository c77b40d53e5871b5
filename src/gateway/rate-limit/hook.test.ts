import type { OutgoingHttpHeaders } from "node:http";
import Fastify, { type FastifyInstance } from "fastify";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { rateLimitConfigSchema } from "./config.js";
import { bearerKeyOf, installRateLimits } from "./hook.js";
import { RateLimiter } from "./limiter.js";

let clock = 0;
const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  clock = 0;
});

function gateway(config: unknown): FastifyInstance {
  const app = Fastify();
  apps.push(app);
  const limiter = new RateLimiter(rateLimitConfigSchema.parse(config), { now: () => clock });
  installRateLimits(app, limiter, bearerKeyOf);
  for (const url of ["/", "/health", "/metrics", "/api/tags", "/v1/hydra/nodes", "/v1/models"]) {
    app.get(url, async () => ({ ok: true }));
  }
  app.post("/api/chat", async () => ({ ok: true }));
  app.post("/v1/chat/completions", async () => ({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 0,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  }));
  // Streams bypass Fastify's send and write reply.getHeaders() themselves (relay/respond.ts).
  app.get("/api/stream", async (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      "content-type": "text/plain",
    });
    reply.raw.end("streamed");
  });
  return app;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("installRateLimits", () => {
  it("answers 429 with Retry-After, the x-ratelimit headers and Hydra's error body", async () => {
    const app = gateway({ global: { requestsPerSecond: 1 } });
    const ok = await app.inject({ method: "POST", url: "/api/chat", payload: {} });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject({
      "x-ratelimit-limit-requests": "1",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "1s",
    });
    expect(ok.headers["retry-after"]).toBeUndefined();

    const refused = await app.inject({ method: "POST", url: "/api/chat", payload: {} });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({
      "retry-after": "1",
      "x-ratelimit-limit-requests": "1",
      "x-ratelimit-remaining-requests": "0",
    });
    expect(refused.headers["content-type"]).toContain("application/json");
    expect(refused.json()).toEqual({
      error:
        "rate limit exceeded: the gateway's limit of 1 requests per second (burst 1) is used up; retry after 1 s",
      code: "HYDRA_ERR_RATE_LIMITED",
    });

    clock += 1_000;
    expect((await app.inject({ method: "POST", url: "/api/chat", payload: {} })).statusCode).toBe(200);
  });

  it("answers OpenAI's rate-limit error shape on /v1/ routes, and Hydra's on /v1/hydra/", async () => {
    const app = gateway({ global: { requestsPerSecond: 1 } });
    await app.inject({ method: "GET", url: "/v1/models" });
    const openai = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: {} });
    expect(openai.statusCode).toBe(429);
    expect(openai.json()).toEqual({
      error: {
        message: expect.stringContaining("rate limit exceeded"),
        type: "rate_limit_error",
        param: null,
        code: "rate_limit_exceeded",
      },
    });
    const hydra = await app.inject({ method: "GET", url: "/v1/hydra/nodes" });
    expect(hydra.json()).toMatchObject({ code: "HYDRA_ERR_RATE_LIMITED" });
  });

  it("limits each API key on its own", async () => {
    const app = gateway({
      perKey: { requestsPerSecond: 1 },
      keys: { "vip-key-1": { requestsPerSecond: 2 } },
    });
    const statuses = async (headers: Record<string, string>, times: number) => {
      const out: number[] = [];
      for (let i = 0; i < times; i++) out.push((await app.inject({ url: "/api/tags", headers })).statusCode);
      return out;
    };
    expect(await statuses(bearer("alice-key"), 2)).toEqual([200, 429]);
    expect(await statuses(bearer("bob-key-1"), 2)).toEqual([200, 429]);
    expect(await statuses(bearer("vip-key-1"), 3)).toEqual([200, 200, 429]);
    // No key: only the global budget applies, and there is none.
    expect(await statuses({}, 3)).toEqual([200, 200, 200]);
    const refused = await app.inject({ url: "/api/tags", headers: bearer("alice-key") });
    expect(refused.json<{ error: string }>().error).toContain("this API key's limit");
  });

  it("never limits /, /health and /metrics", async () => {
    const app = gateway({ global: { requestsPerSecond: 1 } });
    await app.inject({ url: "/api/tags" });
    for (const url of ["/", "/health", "/metrics", "/health?verbose=1"]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["x-ratelimit-limit-requests"]).toBeUndefined();
    }
    expect((await app.inject({ url: "/api/tags" })).statusCode).toBe(429);
  });

  it("adds no hook and no headers when no limit is configured", async () => {
    const app = gateway({});
    for (let i = 0; i < 5; i++) {
      const response = await app.inject({ url: "/api/tags" });
      expect(response.statusCode).toBe(200);
      expect(response.headers["x-ratelimit-limit-requests"]).toBeUndefined();
    }
  });

  it("puts the headers on streamed answers that write the socket themselves", async () => {
    const app = gateway({ perKey: { requestsPerSecond: 5, tokensPerMinute: 1_000 } });
    const response = await app.inject({ url: "/api/stream", headers: bearer("alice-key") });
    expect(response.body).toBe("streamed");
    expect(response.headers).toMatchObject({
      "x-ratelimit-remaining-requests": "4",
      "x-ratelimit-limit-tokens": "1000",
    });
  });

  it("makes the official openai client raise its RateLimitError", async () => {
    const app = gateway({ global: { requestsPerSecond: 1 } });
    const baseURL = `${await app.listen({ host: "127.0.0.1", port: 0 })}/v1`;
    const client = new OpenAI({ baseURL, apiKey: "alice-key", maxRetries: 0 });
    const messages = [{ role: "user" as const, content: "hi" }];
    await client.chat.completions.create({ model: "m", messages });
    const error = await client.chat.completions.create({ model: "m", messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: "rate_limit_exceeded", type: "rate_limit_error" });
  });
});

describe("bearerKeyOf", () => {
  it("reads the key of a Bearer authorization header", async () => {
    const app = Fastify();
    apps.push(app);
    app.get("/", async (request) => ({ key: bearerKeyOf(request) ?? null }));
    const keyOf = async (headers: Record<string, string>) =>
      (await app.inject({ url: "/", headers })).json<{ key: string | null }>().key;
    expect(await keyOf(bearer("abc-123"))).toBe("abc-123");
    expect(await keyOf({ authorization: "Bearer   padded  " })).toBe("padded");
    expect(await keyOf({ authorization: "Basic abc" })).toBeNull();
    expect(await keyOf({ authorization: "Bearer " })).toBeNull();
    expect(await keyOf({})).toBeNull();
  });
});
