/** Holds: raising them from matches, moving them between states, and the exchange hook. */
export { orphanReason, raiseHold, raiseHoldInCanonicalBlock, raiseHoldsInCanonicalBlocks, type CanonicalRaise, type RaisedHold } from './raise-hold.js';
export {
  confirmHold,
  orphanHoldsInBlock,
  releaseHold,
  reopenHold,
  type HoldRef,
  type OrphanedHold,
  type SeenInBlock,
  type TransitionResult,
} from './transitions.js';
export {
  afterListActivation,
  applyListChangeToHolds,
  holdBasisAlerts,
  type HoldBasisChange,
  type ListVersionChange,
} from './list-change.js';
export { listHolds, showHold, type HoldDetails, type HoldFilter } from './read-holds.js';
export {
  classifyHookStatus,
  deliverHold,
  hookOrigin,
  hookPayload,
  hookTarget,
  signHookBody,
  verifyHookSignature,
  HOOK_PAYLOAD_VERSION,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type DeliverOptions,
  type HoldHookPayload,
  type HookConfig,
  type HookOutcome,
} from './exchange-hook.js';
export {
  DEFAULT_HOOK_CONCURRENCY,
  DEFAULT_HOOK_RETRY,
  deliverPending,
  hookRetryDelayMs,
  runHookDeliveryLoop,
  type DeliveryLoopOptions,
  type DeliveryReport,
  type DeliveryRun,
  type DeliverPendingOptions,
  type HookDeliveryResult,
  type HookRetryPolicy,
} from './deliver-pending.js';
