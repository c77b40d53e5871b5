/**
 * Serves the dashboard: `GET /dashboard` (and `/dashboard/`) answers index.html (no-cache, so a
 * new build is picked up at once), `GET /dashboard/assets/*` the hashed bundles (immutable for a
 * year), both from their precompressed .br / .gz copies when the client accepts them. The files
 * are what `npm run build` wrote to dist/dashboard/public; without them /dashboard answers 503
 * saying to build.
 *
 * The few files (about 130 KB with their compressed copies) are read into memory on the first
 * request and served from there: no file system work per request, and a gateway whose dashboard
 * is never opened holds none of it (nor a static-file library's modules).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface DashboardOptions {
  /** The built files (index.html and assets/); found next to the compiled server by default. */
  root?: string;
}

const NOT_BUILT = { error: "the dashboard was not built: run npm run build" };

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

interface Asset {
  type: string;
  etag: string;
  /** By content-encoding: "identity", and "br" / "gzip" when the build wrote them. */
  bodies: Map<string, Buffer>;
}

/**
 * Where the build put the files: the compiled plugin runs from dist/src/dashboard/plugin.js, next
 * to dist/dashboard/public; run from source (tests), src/dashboard/plugin.ts finds dist/ beside src/.
 */
function defaultDashboardRoot(): string {
  const candidates = [
    fileURLToPath(new URL("../../dashboard/public/", import.meta.url)),
    fileURLToPath(new URL("../../dist/dashboard/public/", import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(`${dir}index.html`)) ?? (candidates[0] as string);
}

/** Every file under `root` by its URL path ("index.html", "assets/app-X.js"), with its compressed copies. */
function readAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (!/\.(br|gz)$/.test(entry.name)) {
        const body = readFileSync(path);
        const bodies = new Map([["identity", body]]);
        for (const [encoding, suffix] of [
          ["br", ".br"],
          ["gzip", ".gz"],
        ] as const)
          if (existsSync(path + suffix)) bodies.set(encoding, readFileSync(path + suffix));
        const extension = /\.[a-z0-9]+$/.exec(entry.name)?.[0] ?? "";
        assets.set(`${prefix}${entry.name}`, {
          type: CONTENT_TYPES[extension] ?? "application/octet-stream",
          etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
          bodies,
        });
      }
    }
  };
  walk(root, "");
  return assets;
}

/** The best encoding the client accepts of those available: brotli, then gzip, else none. */
export function chooseEncoding(acceptEncoding: string | undefined, available: ReadonlySet<string>): string {
  const accepted = new Set(
    (acceptEncoding ?? "")
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .filter((part) => !/;\s*q=0(\.0*)?$/.test(part))
      .map((part) => part.split(";")[0]?.trim() ?? ""),
  );
  for (const encoding of ["br", "gzip"])
    if (available.has(encoding) && accepted.has(encoding)) return encoding;
  return "identity";
}

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const root = options.root ?? defaultDashboardRoot();
  let assets: Map<string, Asset> | undefined;
  const load = (): Map<string, Asset> | undefined => {
    if (assets === undefined && existsSync(join(root, "index.html"))) assets = readAssets(root);
    return assets;
  };

  const send = (request: FastifyRequest, reply: FastifyReply, path: string, cacheControl: string) => {
    const loaded = load();
    if (loaded === undefined) return reply.code(503).send(NOT_BUILT);
    const asset = loaded.get(path);
    if (asset === undefined)
      return reply.code(404).send({ error: `no dashboard file ${path}; reload /dashboard after a rebuild` });
    reply.header("cache-control", cacheControl).header("etag", asset.etag).header("vary", "accept-encoding");
    if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
    const encoding = chooseEncoding(request.headers["accept-encoding"], new Set(asset.bodies.keys()));
    if (encoding !== "identity") reply.header("content-encoding", encoding);
    return reply.type(asset.type).send(asset.bodies.get(encoding));
  };

  const index = (request: FastifyRequest, reply: FastifyReply) =>
    send(request, reply, "index.html", "no-cache");
  app.get("/dashboard", index);
  app.get("/dashboard/", index);
  // Names carry their content's hash: a changed file is a new name, so they never go stale.
  app.get<{ Params: { "*": string } }>("/dashboard/assets/*", (request, reply) =>
    send(request, reply, `assets/${request.params["*"]}`, "public, max-age=31536000, immutable"),
  );
}
