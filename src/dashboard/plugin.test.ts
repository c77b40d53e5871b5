import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gunzipSync, gzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { chooseEncoding, dashboardRoutes } from "./plugin.js";

const apps: FastifyInstance[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function builtDashboard(): string {
  const root = mkdtempSync(join(tmpdir(), "hydra-dashboard-"));
  dirs.push(root);
  mkdirSync(join(root, "assets"));
  writeFileSync(join(root, "index.html"), "<!doctype html><title>Hydra</title>");
  const js = "console.log('hydra dashboard');".repeat(20);
  writeFileSync(join(root, "assets/app-ABC123.js"), js);
  writeFileSync(join(root, "assets/app-ABC123.js.gz"), gzipSync(js));
  writeFileSync(join(root, "assets/app-ABC123.js.br"), brotliCompressSync(js));
  return root;
}

async function serve(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await app.register(async (scope) => dashboardRoutes(scope, { root }));
  return app;
}

describe("dashboard routes", () => {
  it("serves index.html at /dashboard and /dashboard/ without caching", async () => {
    const app = await serve(builtDashboard());
    for (const url of ["/dashboard", "/dashboard/"]) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toMatch(/text\/html/);
      expect(response.headers["cache-control"]).toBe("no-cache");
      expect(response.body).toContain("<title>Hydra</title>");
    }
  });

  it("serves hashed assets as immutable, precompressed when accepted", async () => {
    const app = await serve(builtDashboard());
    const response = await app.inject({
      url: "/dashboard/assets/app-ABC123.js",
      headers: { "accept-encoding": "gzip" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-encoding"]).toBe("gzip");
    expect(response.headers["content-type"]).toMatch(/javascript/);
    expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(gunzipSync(response.rawPayload).toString()).toContain("hydra dashboard");
    const brotli = await app.inject({
      url: "/dashboard/assets/app-ABC123.js",
      headers: { "accept-encoding": "gzip, deflate, br" },
    });
    expect(brotli.headers["content-encoding"]).toBe("br");
    expect(brotli.headers.vary).toBe("accept-encoding");
    const plain = await app.inject({ url: "/dashboard/assets/app-ABC123.js" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toContain("hydra dashboard");
    expect((await app.inject({ url: "/dashboard/assets/missing.js" })).statusCode).toBe(404);
  });

  it("answers 304 to a client that has the file already", async () => {
    const app = await serve(builtDashboard());
    const first = await app.inject({ url: "/dashboard" });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await app.inject({ url: "/dashboard", headers: { "if-none-match": etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
  });

  it("chooses brotli, then gzip, honouring q=0 and what the build wrote", () => {
    const both = new Set(["identity", "br", "gzip"]);
    expect(chooseEncoding("gzip, br", both)).toBe("br");
    expect(chooseEncoding("br;q=0, gzip", both)).toBe("gzip");
    expect(chooseEncoding("gzip;q=0.0", both)).toBe("identity");
    expect(chooseEncoding(undefined, both)).toBe("identity");
    expect(chooseEncoding("br", new Set(["identity", "gzip"]))).toBe("identity");
  });

  it("answers 503 with what to do when the dashboard was not built", async () => {
    const root = mkdtempSync(join(tmpdir(), "hydra-dashboard-"));
    dirs.push(root);
    const app = await serve(join(root, "nothing-here"));
    for (const url of ["/dashboard", "/dashboard/", "/dashboard/assets/app.js"]) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ error: "the dashboard was not built: run npm run build" });
    }
  });
});
