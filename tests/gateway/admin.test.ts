/**
 * Admin actions behind the admin key: drain and undrain a node, pull onto chosen nodes with
 * progress, switch the routing strategy; each shows on the event stream. Off without admin keys.
 */
import { afterEach, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { readUntil } from "../helpers/sse.js";

const MODEL = "llama3.2:1b";
const ADMIN_KEY = "admin-key-0123456789";
const API_KEY = "api-key-0123456789";
const loaded = [{ name: MODEL, size_mb: 1000, loaded: true }];

async function admin(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; key?: string | null; header?: "admin" | "bearer" } = {},
): Promise<Response> {
  const { method = "POST", body, key = ADMIN_KEY, header = "admin" } = init;
  const headers: Record<string, string> = {};
  if (key !== null)
    headers[header === "admin" ? "x-hydra-admin-key" : "authorization"] =
      header === "admin" ? key : `Bearer ${key}`;
  return fetch(`${url}/v1/hydra/admin${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function chatNode(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${url}/api/chat`, {
    method: "POST",
    headers,
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }], stream: false }),
  });
  await response.arrayBuffer();
  expect(response.status).toBe(200);
  return response.headers.get("x-hydra-node") ?? "";
}

describe("admin actions", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("are off without admin keys, and say how to turn them on", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)]);
    const response = await admin(cluster.url, "/nodes/a/drain");
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining("auth.adminKeys") });
    expect(cluster.gateway.pool.node("a")?.drained).toBe(false);
  });

  it("need the admin key: none or a wrong one is refused and changes nothing", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)], { auth: { adminKeys: [ADMIN_KEY] } });
    const missing = await admin(cluster.url, "/nodes/a/drain", { key: null });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: expect.stringContaining("x-hydra-admin-key") });
    const wrong = await admin(cluster.url, "/nodes/a/drain", { key: "not-the-admin-key" });
    expect(wrong.status).toBe(401);
    const strategy = await admin(cluster.url, "/routing", {
      method: "PUT",
      body: { strategy: "random" },
      key: "not-the-admin-key",
    });
    expect(strategy.status).toBe(401);
    expect(cluster.gateway.pool.node("a")?.drained).toBe(false);
    expect(cluster.gateway.pool.strategy).toBe("intelligent");
  });

  it("drains a node (no new requests go there) and undrains it, on the event stream", async () => {
    cluster = await startTestCluster([fastNode("a", loaded), fastNode("b", loaded)], {
      auth: { adminKeys: [ADMIN_KEY] },
    });
    const stream = await fetch(`${cluster.url}/v1/hydra/events?types=node.drained`);
    const drain = await admin(cluster.url, "/nodes/a/drain");
    expect(drain.status).toBe(200);
    expect(await drain.json()).toEqual({ node: "a", drained: true });
    const [event] = await readUntil(stream, () => true);
    expect(event?.data).toMatchObject({ node: "a", drained: true });
    for (let i = 0; i < 6; i++)
      expect(await chatNode(cluster.url, { "x-hydra-strategy": "round_robin" })).toBe("b");
    const nodes = (await (await fetch(`${cluster.url}/v1/hydra/cluster`)).json()) as {
      nodes: { name: string; drained: boolean }[];
    };
    expect(nodes.nodes.find((node) => node.name === "a")?.drained).toBe(true);
    expect(await (await admin(cluster.url, "/nodes/a/undrain")).json()).toEqual({
      node: "a",
      drained: false,
    });
    const served = new Set<string>();
    // Round robin, so that the learned preference for b does not hide that a takes requests again.
    for (let i = 0; i < 4; i++)
      served.add(await chatNode(cluster.url, { "x-hydra-strategy": "round_robin" }));
    expect(served).toContain("a");
  });

  it("answers 404 with the known nodes for an unknown node", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)], { auth: { adminKeys: [ADMIN_KEY] } });
    const response = await admin(cluster.url, "/nodes/zz/drain");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining("known nodes: a") });
  });

  it("switches the routing strategy for the requests that follow, and refuses an unknown one", async () => {
    cluster = await startTestCluster([fastNode("a", loaded), fastNode("b", loaded)], {
      auth: { adminKeys: [ADMIN_KEY] },
    });
    const stream = await fetch(`${cluster.url}/v1/hydra/events?types=routing.strategy,route.decision`);
    const switched = await admin(cluster.url, "/routing", {
      method: "PUT",
      body: { strategy: "round_robin" },
    });
    expect(await switched.json()).toEqual({ strategy: "round_robin" });
    await chatNode(cluster.url);
    const events = await readUntil(stream, (event) => event.event === "route.decision");
    expect(events.map((event) => event.event)).toEqual(["routing.strategy", "route.decision"]);
    expect(events[0]?.data).toMatchObject({ from: "intelligent", to: "round_robin" });
    expect(events[1]?.data.strategy).toBe("round_robin");
    const bad = await admin(cluster.url, "/routing", { method: "PUT", body: { strategy: "fastest-ever" } });
    expect(bad.status).toBe(400);
    expect(cluster.gateway.pool.strategy).toBe("round_robin");
  });

  it("pulls a model onto the chosen nodes only, streaming each node's progress", async () => {
    cluster = await startTestCluster(
      [fastNode("a", loaded, { pull_mbps: 100_000 }), fastNode("b", loaded, { pull_mbps: 100_000 })],
      { auth: { adminKeys: [ADMIN_KEY] } },
    );
    const response = await admin(cluster.url, "/pull", { body: { model: "phi3:mini", nodes: ["b"] } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await response.text())
      .trim()
      .split("\n")
      .map(
        (line) => JSON.parse(line) as { node?: string; status?: string; total?: number; completed?: number },
      );
    expect(
      lines.some((line) => line.node === "b" && (line.total ?? 0) > 0 && line.completed === line.total),
    ).toBe(true);
    expect(lines.every((line) => line.node === undefined || line.node === "b")).toBe(true);
    expect(lines.at(-1)).toEqual({ status: "success", nodes: ["b"] });
    expect(cluster.gateway.pool.node("b")?.hasModel("phi3:mini")).toBe(true);
    expect(cluster.gateway.pool.node("a")?.hasModel("phi3:mini")).toBe(false);
  });

  it("refuses a pull without nodes or model", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)], { auth: { adminKeys: [ADMIN_KEY] } });
    for (const body of [{ model: "phi3:mini" }, { model: "phi3:mini", nodes: [] }, { nodes: ["a"] }]) {
      const response = await admin(cluster.url, "/pull", { body });
      expect(response.status).toBe(400);
    }
  });

  it("with API keys on, an admin key is also an API key, by header or as the bearer", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)], {
      auth: { keys: [API_KEY], adminKeys: [ADMIN_KEY] },
    });
    expect((await admin(cluster.url, "/nodes/a/drain")).status).toBe(200);
    expect((await admin(cluster.url, "/nodes/a/undrain", { header: "bearer" })).status).toBe(200);
    // An API key is not an admin key.
    const asUser = await admin(cluster.url, "/nodes/a/drain", { key: API_KEY, header: "bearer" });
    expect(asUser.status).toBe(401);
    const tags = await fetch(`${cluster.url}/api/tags`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(tags.status).toBe(200);
    // The dashboard's page itself is public: it asks for a key when the API needs one.
    const page = await fetch(`${cluster.url}/dashboard`);
    expect(page.status).not.toBe(401);
  });
});
