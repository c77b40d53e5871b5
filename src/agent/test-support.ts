/** Reports as an agent sends them, for the tests of the gateway's side. */
import type { AgentStatus } from "./protocol.js";

export function sampleStatus(overrides: Partial<AgentStatus> = {}): AgentStatus {
  return {
    agentId: "gpu-1-0123456789ab",
    name: "gpu-1",
    ollamaUrl: "http://10.0.0.1:11434",
    agentUrl: "http://10.0.0.1:8002",
    version: "0.1.0",
    tags: ["gpu"],
    system: {
      hostname: "gpu-1",
      platform: "linux-x64",
      cpuCount: 16,
      load1: 0.5,
      cpuPercent: 12.5,
      memTotalMb: 64_000,
      memFreeMb: 32_000,
      diskTotalMb: 1_000_000,
      diskFreeMb: 500_000,
    },
    gpus: [
      {
        index: 0,
        name: "NVIDIA GeForce RTX 4090",
        vendor: "nvidia",
        vramTotalMb: 24_564,
        vramFreeMb: 20_000,
        utilizationPct: 10,
        temperatureC: 45,
      },
    ],
    ollama: { up: true, version: "0.12.6" },
    loaded: [],
    pulls: [],
    sentAt: 1_750_000_000_000,
    ...overrides,
  };
}
