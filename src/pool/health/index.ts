/**
 * Node health for the pool: active checks (liveness and readiness), passive outlier detection
 * from live traffic, a circuit breaker per node with doubling ejections, and an overload penalty.
 */
export {
  acquireProbe,
  advance,
  type BreakerPhase,
  type BreakerPolicy,
  type BreakerState,
  type Change,
  type ClusterView,
  createBreaker,
  ejectionCapacity,
  ejectionMs,
  type HealthStatus,
  isAvailable,
  record,
  releaseProbe,
  type Signal,
  type Step,
  statusOf,
} from "./breaker.js";
export { type CheckerOptions, type CheckResult, HealthChecker, nextCheckDelay } from "./checker.js";
export { type HealthConfig, type HealthConfigInput, healthConfigSchema } from "./config.js";
export {
  type HealthChange,
  type HealthEvents,
  HealthMonitor,
  type HealthMonitorOptions,
  type NodeHealthSnapshot,
  type NodeHealthState,
} from "./monitor.js";
export {
  describeOutcome,
  type FailureKind,
  isFailure,
  isOverload,
  type Outcome,
  type OutcomeKind,
  type OverloadKind,
  toOutcome,
} from "./outcome.js";
export { addOverload, NO_PENALTY, type Penalty, type PenaltyPolicy, penaltyAt } from "./penalty.js";
export {
  type HealthTarget,
  httpProbe,
  PROBE_PATHS,
  type Probe,
  ProbeFailure,
  type ProbeKind,
} from "./probe.js";
