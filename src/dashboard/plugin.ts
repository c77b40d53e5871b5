/**
 * Serves the dashboard: `GET /dashboard` (and `/dashboard/`) answers index.html (no-cache, so a
 * new build is picked up at once), `GET /dashboard/assets/*` the hashed bundles (immutable for a
 * year), both from their precompressed .br / .gz copies when the client accepts them. The files
 * are what `npm run build` wrote to dist/dashboard/public; without them /dashboard answers 503
 * saying to build.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

export interface DashboardOptions {
  /** The built files (index.html and assets/); found next to the compiled server by default. */
  root?: string;
}

const NOT_BUILT = { error: "the dashboard was not built: run npm run build" };

/**
 * Where the build put the files: the compiled plugin runs from dist/src/dashboard/plugin.js, next
 * to dist/dashboard/public; run from source (tests), src/dashboard/plugin.ts finds dist/ beside src/.
 */
export function defaultDashboardRoot(): string {
  const candidates = [
    fileURLToPath(new URL("../../dashboard/public/", import.meta.url)),
    fileURLToPath(new URL("../../dist/dashboard/public/", import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(`${dir}index.html`)) ?? (candidates[0] as string);
}

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const root = options.root ?? defaultDashboardRoot();
  const assets = `${root.replace(/\/?$/, "/")}assets`;
  const built = (): boolean => existsSync(`${root.replace(/\/?$/, "/")}index.html`);

  if (existsSync(assets)) {
    await app.register(fastifyStatic, {
      root: assets,
      prefix: "/dashboard/assets/",
      preCompressed: true,
      index: false,
      list: false,
      // Names carry their content's hash: a changed file is a new name.
      immutable: true,
      maxAge: "365d",
      // index.html is served with its own root by sendFile below.
      decorateReply: true,
    });
  } else {
    app.get("/dashboard/assets/*", async (_request, reply) => reply.code(503).send(NOT_BUILT));
  }

  const index = async (_request: unknown, reply: FastifyReply) => {
    if (!built() || !existsSync(assets)) return reply.code(503).send(NOT_BUILT);
    reply.header("cache-control", "no-cache");
    return reply.sendFile("index.html", root, { cacheControl: false });
  };
  app.get("/dashboard", index);
  app.get("/dashboard/", index);
}
