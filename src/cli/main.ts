#!/usr/bin/env node
/**
 * The `hydra` command. Each subcommand's module is imported only when it runs, so
 * `hydra --help` and `hydra serve` start fast.
 */
import { Command, Option } from "commander";
import { HYDRA_VERSION } from "../version.js";
import { exitWithError } from "./exit.js";

const program = new Command()
  .name("hydra")
  .description("One Ollama- and OpenAI-compatible endpoint in front of a cluster of Ollama nodes")
  .version(HYDRA_VERSION);

const logLevelOption = () =>
  new Option("--log-level <level>", "log level").choices([
    "fatal",
    "error",
    "warn",
    "info",
    "debug",
    "trace",
    "silent",
  ]);
const collect = (value: string, previous: string[] = []) => [...previous, value];
const port = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new Error(`--port ${value} is not a port number (0-65535)`);
  }
  return parsed;
};

program
  .command("serve")
  .description("run the gateway in front of the configured nodes")
  .option("-c, --config <file>", "configuration file (default: ./hydra.yaml when present)")
  .option("--host <host>", "address to listen on (default 127.0.0.1)")
  .option("-p, --port <port>", "port to listen on (default 8000)", port)
  .option("--data-dir <dir>", "where Hydra keeps its files (default .hydra)")
  .option("-n, --node <url>", "an Ollama node to use (repeatable)", collect)
  .addOption(logLevelOption())
  .action(async (options) => (await import("./commands/serve.js")).serve(options));

program
  .command("sim")
  .description("run simulated Ollama nodes (for tests, demos and benchmarks)")
  .option("--cluster <file>", "cluster file with one entry per node (see examples/)")
  .option("-p, --port <port>", "port of a single node (default 11500; 0 = any free port)", port)
  .option("-m, --model <name>", "a model the single node has (repeatable)", collect)
  .option("--zero-latency", "answer instantly (for overhead benchmarks)")
  .action(async (options) => (await import("./commands/sim.js")).sim(options));

program
  .command("demo")
  .description("start three simulated nodes and the gateway, stream one chat, keep serving until Ctrl-C")
  .option("-p, --port <port>", "gateway port (default 8000; 0 = any free port)", port)
  .option("--once", "exit after the demo chat instead of serving")
  .option("--free-ports", "use any free ports for the nodes and the gateway")
  .option("--traffic <rps>", "background chats per second for the dashboard (default 1; 0 = none)", Number)
  .action(async (options) => (await import("./commands/demo.js")).demo(options));

program
  .command("nodes")
  .description("show the gateway's nodes: health, models (loaded or not), requests in flight")
  .option("-g, --gateway <url>", "gateway URL", process.env.HYDRA_URL ?? "http://127.0.0.1:8000")
  .option("-k, --api-key <key>", "API key, when the gateway requires one", process.env.HYDRA_API_KEY)
  .option("--json", "print JSON instead of a table")
  .action(async (options) => (await import("./commands/nodes.js")).nodes(options));

program
  .command("discover")
  .description("scan networks for Ollama nodes (by /api/version and /api/tags) and print how to use them")
  .argument("<targets...>", "CIDR ranges up to /16 (192.168.1.0/24), addresses or host names")
  .option("-p, --port <port>", "port to probe on every address (repeatable; default 11434)", collect)
  .option("--timeout-ms <ms>", "deadline of one probe (default 800)")
  .option("--concurrency <n>", "probes in flight at once (default 64)")
  .option("--json", "print JSON instead of a table")
  .action(async (targets: string[], options) =>
    (await import("./commands/discover.js")).discover(targets, options),
  );

const positiveInt = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${flag} ${value} is not a positive integer`);
  return parsed;
};

program
  .command("agent")
  .description(
    "run beside Ollama on a node: register it with the gateway and report its GPUs, memory and models",
  )
  .option("-g, --gateway <url>", "the gateway to register with", process.env.HYDRA_URL)
  .option(
    "--secret <secret>",
    "the cluster secret (default: HYDRA_CLUSTER_SECRET, which other users cannot see in ps)",
  )
  .option("--ollama <url>", "this machine's Ollama (default: OLLAMA_HOST or http://127.0.0.1:11434)")
  .option("--advertise <url>", "the Ollama URL the gateway should use (default: the --ollama URL)")
  .option("--agent-url <url>", "the agent's URL as the gateway reaches it (default: from --host and --port)")
  .option("--host <host>", "address to listen on (default 0.0.0.0)")
  .option("-p, --port <port>", "port to listen on (default 8002; 0 = any free port)", port)
  .option("--name <name>", "the node's name in the gateway (default: the host name)")
  .option("-t, --tag <tag>", "a tag of the node (repeatable)", collect)
  .option(
    "--interval-ms <ms>",
    "heartbeat period (default: what the gateway asks, 5000)",
    positiveInt("--interval-ms"),
  )
  .option("--disk-path <dir>", "the filesystem whose free space is reported (default /)")
  .option(
    "--slots <n>",
    "OLLAMA_NUM_PARALLEL of this Ollama (default: from the environment)",
    positiveInt("--slots"),
  )
  .addOption(logLevelOption())
  .action(async (options) => (await import("./commands/agent.js")).agent(options));

/** The options every command that talks to a running gateway takes. */
const gatewayClient = (command: Command) =>
  command
    .option("-g, --gateway <url>", "gateway URL", process.env.HYDRA_URL ?? "http://127.0.0.1:8000")
    .option("-k, --api-key <key>", "API key, when the gateway requires one", process.env.HYDRA_API_KEY)
    .option("--json", "print the gateway's JSON answer");

const memory = program
  .command("memory")
  .description("the gateway's memory tiers (L1-L3) and semantic search (L4)");
gatewayClient(
  memory.command("stats").description("per tier: entries, bytes, hits, misses, promotions, evictions"),
).action(async (options) => (await import("./commands/memory.js")).memoryStats(options));
gatewayClient(
  memory.command("get").description("print the value stored under a key").argument("<key>"),
).action(async (key: string, options) => (await import("./commands/memory.js")).memoryGet(key, options));
gatewayClient(
  memory
    .command("put")
    .description(
      "store a value under a key (a JSON string, JSON with --parse, or a file's bytes with --file)",
    )
    .argument("<key>")
    .argument("[value]")
    .option("--parse", "parse the value as JSON (default: store it as a string)")
    .option("--file <file>", "store this file's bytes")
    .option("--ttl-ms <ms>", "expire after this many milliseconds", positiveInt("--ttl-ms"))
    .option(
      "--tier <tier>",
      "keep it only in these tiers (l1, l2, l3; repeatable or comma-separated)",
      collect,
    )
    .option("--namespace <name>", "a label kept with the entry"),
).action(async (key: string, value: string | undefined, options) =>
  (await import("./commands/memory.js")).memoryPut(key, value, options),
);
gatewayClient(memory.command("delete").description("remove a key from every tier").argument("<key>")).action(
  async (key: string, options) => (await import("./commands/memory.js")).memoryDelete(key, options),
);
gatewayClient(
  memory
    .command("search")
    .description("the entries closest in meaning to a text (semantic memory, L4)")
    .argument("<query>")
    .option("--k <n>", "how many results (default 10)", positiveInt("--k")),
).action(async (query: string, options) =>
  (await import("./commands/memory.js")).memorySearch(query, options),
);

program
  .command("ask")
  .description("run a request through the orchestrator: live progress per subtask, then the answer")
  .argument("<prompt>", "what you want done")
  .option("-g, --gateway <url>", "gateway URL", process.env.HYDRA_URL ?? "http://127.0.0.1:8000")
  .option("-k, --api-key <key>", "API key, when the gateway requires one", process.env.HYDRA_API_KEY)
  .option("-s, --strategy <name>", "synthesis: aggregate, vote or verify (default: per task type)")
  .option("-m, --model <name>", "a model to fan out to (repeatable; default: from config)", collect)
  .option("--json", "print the whole result as JSON")
  .action(async (prompt: string, options) => (await import("./commands/ask.js")).ask(prompt, options));

program.parseAsync(process.argv).catch(exitWithError);
