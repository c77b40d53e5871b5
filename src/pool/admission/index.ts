export {
  type AdmissionConfig,
  type AdmissionConfigInput,
  admissionConfigSchema,
  PRIORITY_MAX,
  PRIORITY_MIN,
} from "./config.js";
export {
  AdmissionController,
  type AdmissionControllerOptions,
  type AdmissionEvents,
  type AdmissionSnapshot,
  type AdmitRequest,
  type RejectReason,
  type Slot,
} from "./controller.js";
export { AdmissionClosedError, BadPriorityError, QueueFullError, QueueTimeoutError } from "./errors.js";
export { effectivePriority, type PriorityLevelSummary } from "./policy.js";
export { isValidPriority, PRIORITY_HEADER, parsePriority } from "./priority.js";
