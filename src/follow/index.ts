export { createFollower, type Follower, type FollowerOptions, type FollowerStatus } from './follower.js';
export type { BlockEvent, FinalizedEvent, FollowEvent, ReorgEvent } from './events.js';
export { CursorBlockUnknown, InconsistentBlock, ReorgTooDeep } from './errors.js';
export type { HeadSubscription } from './head-subscription.js';
export { DEFAULT_POLICY, type FollowPolicy } from './reconcile.js';
