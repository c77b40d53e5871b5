/**
 * `hydra demo`: a whole cluster on this machine in one command. Three simulated
 * nodes, the gateway in front of them, one streamed chat through it with the
 * official ollama client, then it keeps serving until Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Ollama } from "ollama";
import { hydraConfigSchema } from "../../config/schema.js";
import { createGateway } from "../../gateway/server.js";
import { loadSimClusterFile } from "../../sim/config.js";
import { startSimCluster } from "../../sim/index.js";
import { onShutdown } from "../shutdown.js";
import { startBackgroundTraffic } from "./demo-traffic.js";

export interface DemoOptions {
  port?: number;
  once?: boolean;
  /** Background chats per second, so the dashboard has live traffic to show (0: none). */
  traffic?: number;
  /** Any free ports for the nodes and the gateway (tests, or a second demo beside the first). */
  freePorts?: boolean;
}

const CLUSTER_FILE = fileURLToPath(new URL("../../../../examples/cluster-demo.yaml", import.meta.url));
const DEMO_MODEL = "llama3.2:3b";

export async function demo(options: DemoOptions): Promise<void> {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const clusterConfig = await loadSimClusterFile(CLUSTER_FILE);
  const onFreePorts = () =>
    startSimCluster({ nodes: clusterConfig.nodes.map((node) => ({ ...node, port: 0 })) });
  const cluster = options.freePorts
    ? await onFreePorts()
    : await startSimCluster(clusterConfig).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EADDRINUSE") throw error;
        out("(the demo's usual node ports are taken; using free ports instead)");
        return onFreePorts();
      });
  // The dashboard's admin actions need a key: one per demo run, printed below.
  const adminKey =
    process.env.HYDRA_ADMIN_KEYS?.split(",")[0]?.trim() || `demo-${randomBytes(9).toString("base64url")}`;
  const config = (port: number) =>
    hydraConfigSchema.parse({
      server: { port },
      log: { level: "warn" },
      auth: { adminKeys: [adminKey] },
      // The model "hydra" (orchestrator) uses models this demo cluster has.
      orchestrator: {
        lightModel: DEMO_MODEL,
        heavyModel: "qwen2.5-coder:7b",
        models: { general: [DEMO_MODEL], code: ["qwen2.5-coder:7b", DEMO_MODEL] },
        fanOut: 2,
      },
      nodes: cluster.nodes.map((node) => ({ url: node.url, name: node.name })),
    });
  const port = options.freePorts ? 0 : (options.port ?? 8000);
  let gateway = createGateway(config(port));
  const url = await gateway.start().catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE") throw error;
    await gateway.close();
    out(`(port ${port} is taken; the gateway uses a free port instead)`);
    gateway = createGateway(config(0));
    return gateway.start();
  });

  out("Hydra demo: a simulated Ollama cluster behind one gateway");
  out();
  for (const node of cluster.nodes)
    out(
      `  node ${node.name.padEnd(10)} ${node.url}  ${node.engine.inventory
        .list()
        .map((model) => model.name)
        .join(", ")}`,
    );
  out();
  out(`  gateway         ${url}   (Ollama API: /api/*, OpenAI API: /v1/*, metrics: /metrics)`);
  out(`  dashboard       ${url}/dashboard`);
  out(`  admin key       ${adminKey}   (for the dashboard's admin actions)`);
  out();
  out("Try it:");
  out(`  curl ${url}/api/chat -d '{"model":"${DEMO_MODEL}","messages":[{"role":"user","content":"hi"}]}'`);
  out(`  OLLAMA_HOST=${url} ollama run ${DEMO_MODEL}        # the ollama CLI works unchanged`);
  out(`  npx hydra nodes --gateway ${url}`);
  out();

  let servedBy = "?";
  const ollama = new Ollama({
    host: url,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      servedBy = response.headers.get("x-hydra-node") ?? servedBy;
      return response;
    },
  });
  const question = "What does a gateway in front of many Ollama nodes do?";
  out(`> ${question}`);
  const stream = await ollama.chat({
    model: DEMO_MODEL,
    messages: [{ role: "user", content: question }],
    stream: true,
  });
  for await (const part of stream) {
    process.stdout.write(part.message.content);
    if (part.done) {
      const seconds = (part.total_duration ?? 0) / 1e9;
      const rate = part.eval_count && part.eval_duration ? part.eval_count / (part.eval_duration / 1e9) : 0;
      out();
      out(
        `(served by ${servedBy}: ${part.eval_count} tokens in ${seconds.toFixed(2)} s, ${rate.toFixed(0)} tokens/s)`,
      );
    }
  }
  out();

  if (options.once) {
    await gateway.close();
    await cluster.close();
    return;
  }
  const rate = options.traffic ?? 1;
  const traffic = rate > 0 ? startBackgroundTraffic(url, rate, [DEMO_MODEL, "qwen2.5-coder:7b"]) : undefined;
  const close = async () => {
    await traffic?.stop();
    await gateway.close();
    await cluster.close();
  };
  out(
    rate > 0
      ? `Serving until Ctrl-C, with ${rate} background chat(s) per second for the dashboard (--traffic 0: none).`
      : "Serving until Ctrl-C.",
  );
  onShutdown(close);
}
