/**
 * `hydra sim`: simulated Ollama nodes that the official clients cannot tell from real ones,
 * with a latency model (queue, load, prefill, decode), VRAM and keep-alive, and injectable faults.
 */
export { ManualClock, realClock, type SimClock } from "./clock.js";
export { type SimClusterHandle, startSimCluster } from "./cluster.js";
export {
  CAPABILITIES,
  type Capability,
  loadSimClusterFile,
  parseSimClusterConfig,
  parseSimNodeConfig,
  type SimClusterConfig,
  type SimClusterInput,
  type SimModelConfig,
  type SimModelInput,
  type SimNodeConfig,
  type SimNodeDefaults,
  type SimNodeInput,
  simClusterSchema,
  simModelSchema,
  simNodeDefaultsSchema,
  simNodeSchema,
} from "./config.js";
export { type SimState, simState } from "./control-routes.js";
export { type SimCounters, SimEngine } from "./engine.js";
export {
  FAULT_TYPES,
  type Fault,
  type FaultInput,
  type FaultStatus,
  type FaultType,
  faultListSchema,
  faultSchema,
  GENERATION_PATHS,
  INFERENCE_PATHS,
} from "./faults.js";
export { type SimNodeHandle, type SimRequestInfo, type StartSimNodeOptions, startSimNode } from "./node.js";
export { buildSimServer } from "./server.js";
export type { GenerationSession } from "./session.js";
