/**
 * The cheapest proxy Node can be: forwards each request to one node and pipes the
 * answer back, with no parsing, validation, routing or metrics. The overhead
 * benchmark measures it beside the gateway, so the cost of a process hop on the
 * machine at hand is known and Hydra's own cost can be read as the difference.
 *
 *   node dist/bench/lib/minimal-proxy.js http://127.0.0.1:NODE_PORT
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const target = process.argv[2];
if (target === undefined) throw new Error("usage: minimal-proxy.js NODE_URL");
const pool = new Pool(target, { connections: 128 });

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const upstream = await pool.request({
    method: "POST",
    path: request.url ?? "/",
    body: Buffer.concat(chunks),
    headers: { "content-type": "application/json" },
  });
  response.writeHead(upstream.statusCode, { "content-type": String(upstream.headers["content-type"]) });
  for await (const chunk of upstream.body) response.write(chunk);
  response.end();
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`minimal proxy on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
