/**
 * What the node agents report of their machines (CPU, memory, disk, each GPU), read from the
 * agent registry at scrape time. The `node` label is the pool node the agent reports for, so
 * these series join the node metrics; `gpu` is the GPU's index on its machine.
 */
import { Gauge, type Registry } from "prom-client";
import type { AgentRecord, AgentRegistry } from "../../discovery/agent-registry.js";
import { agentNodeName } from "../agents.js";

const MB = 1024 * 1024;

export function registerAgentMetrics(registers: Registry[], registry: AgentRegistry): void {
  /** A gauge with one value per agent, from its record (absent where `read` gives undefined). */
  const perAgent = (name: string, help: string, read: (record: AgentRecord) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ["node"],
      registers,
      collect() {
        this.reset();
        for (const record of registry.records()) {
          const value = read(record);
          if (value !== undefined) this.set({ node: agentNodeName(registry, record) }, value);
        }
      },
    });
  perAgent(
    "hydra_agent_stale",
    "1 when the node's agent missed its heartbeats (the node takes no new requests), 0 while it reports",
    (record) => (record.state === "stale" ? 1 : 0),
  );
  perAgent(
    "hydra_agent_last_report_timestamp_seconds",
    "When the node's agent last reported (Unix time); time() minus this is the report's age",
    (record) => record.lastSeenAt / 1000,
  );
  perAgent(
    "hydra_agent_cpu_percent",
    "Busy share of all the machine's CPU cores since the agent's previous report, 0-100",
    (record) => record.status.system.cpuPercent,
  );
  perAgent(
    "hydra_agent_cpu_cores",
    "CPU cores of the node's machine",
    (record) => record.status.system.cpuCount,
  );
  perAgent(
    "hydra_agent_load1",
    "1-minute load average of the node's machine (0 on Windows)",
    (record) => record.status.system.load1,
  );
  perAgent(
    "hydra_agent_memory_total_bytes",
    "Memory (RAM) of the node's machine",
    (record) => record.status.system.memTotalMb * MB,
  );
  perAgent(
    "hydra_agent_memory_free_bytes",
    "Free memory (RAM) of the node's machine",
    (record) => record.status.system.memFreeMb * MB,
  );
  perAgent(
    "hydra_agent_disk_total_bytes",
    "Disk size where the node's machine keeps its models",
    (record) => record.status.system.diskTotalMb * MB,
  );
  perAgent(
    "hydra_agent_disk_free_bytes",
    "Free disk where the node's machine keeps its models",
    (record) => record.status.system.diskFreeMb * MB,
  );

  /** A gauge with one value per GPU of each agent (absent where the GPU gives no reading). */
  const perGpu = (
    name: string,
    help: string,
    read: (gpu: AgentRecord["status"]["gpus"][number]) => number | null,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ["node", "gpu", "gpu_name"],
      registers,
      collect() {
        this.reset();
        for (const record of registry.records()) {
          const node = agentNodeName(registry, record);
          for (const gpu of record.status.gpus) {
            const value = read(gpu);
            if (value !== null) this.set({ node, gpu: String(gpu.index), gpu_name: gpu.name }, value);
          }
        }
      },
    });
  perGpu(
    "hydra_agent_gpu_utilization_percent",
    "Busy share of each GPU, 0-100, as nvidia-smi or rocm-smi reports it",
    (gpu) => gpu.utilizationPct,
  );
  perGpu("hydra_agent_gpu_vram_total_bytes", "Memory of each GPU", (gpu) =>
    gpu.vramTotalMb === null ? null : gpu.vramTotalMb * MB,
  );
  perGpu("hydra_agent_gpu_vram_free_bytes", "Free memory of each GPU", (gpu) =>
    gpu.vramFreeMb === null ? null : gpu.vramFreeMb * MB,
  );
  perGpu("hydra_agent_gpu_temperature_celsius", "Temperature of each GPU", (gpu) => gpu.temperatureC);
}
