/**
 * The workflow engine's public surface: a durable DAG of named steps with retries, timeouts,
 * cancellation, a concurrency limit, a step cache and resume after a crash. See docs/workflow.md.
 */
export { type WorkflowConfig, type WorkflowConfigInput, workflowConfigSchema } from "./config.js";
export {
  blockedSteps,
  buildDag,
  criticalPath,
  type Dag,
  type DagNode,
  dagIssues,
  dependentsClosure,
  newlyReady,
  readySteps,
  topologicalLevels,
  topologicalOrder,
} from "./dag.js";
export { MAX_STEPS, normalizeDefinition, type StepDefaults, workflowDefinitionSchema } from "./definition.js";
export {
  DEFAULT_STEP_DEFAULTS,
  type ResumeAllResult,
  type StartOptions,
  toSnapshot,
  WorkflowEngine,
  type WorkflowEngineOptions,
} from "./engine.js";
export {
  errorInfo,
  isRetryable,
  NonRetryableStepError,
  StepCancelledError,
  StepInputError,
  StepOutputError,
  StepTimeoutError,
  WorkflowDefinitionError,
  WorkflowEngineClosedError,
  WorkflowHandlerNotFoundError,
  WorkflowRunExistsError,
  WorkflowRunNotActiveError,
  WorkflowRunNotFoundError,
  WorkflowStepFailedError,
  WorkflowStoreError,
} from "./errors.js";
export type { WorkflowEngineEvents, WorkflowEvent, WorkflowEventMap, WorkflowEventType } from "./events.js";
export { InProcessExecutor, type StepControl, type StepExecutor, type StepTask } from "./executor.js";
export { ConcurrencyLimiter } from "./limiter.js";
export { type OpenWorkflowOptions, openRunStore, openWorkflowEngine } from "./open.js";
export { HandlerRegistry, type HandlerSchemas } from "./registry.js";
export { MemoryRunStore } from "./run-log/memory.js";
export type {
  CachedOutput,
  CacheEntry,
  NewRun,
  RunChange,
  RunQuery,
  RunStore,
  RunStoreBackend,
  StepChange,
} from "./run-log.js";
export type * from "./types.js";
export { isFinalStepState, RUN_STATES, STEP_STATES } from "./types.js";
