/**
 * Serves the dashboard at `/dashboard` from the built assets (`npm run build` writes them to
 * dist/dashboard/public, with gzip and brotli copies sent to browsers that accept them).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** This file runs as dist/src/dashboard/plugin.js (or src/dashboard/plugin.ts in tests); the assets are in dist/. */
const ROOTS = ["../../dashboard/public/", "../../dist/dashboard/public/"].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const root = ROOTS.find((candidate) => existsSync(`${candidate}index.html`));
  if (root === undefined) {
    app.get("/dashboard", async (_request, reply) =>
      reply.code(503).send({ error: "the dashboard was not built: run npm run build" }),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: "/dashboard/",
    preCompressed: true,
    index: "index.html",
    redirect: false,
    setHeaders(response, path) {
      response.setHeader(
        "cache-control",
        path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      );
    },
  });
  app.get("/dashboard", async (_request, reply) => reply.sendFile("index.html"));
}
