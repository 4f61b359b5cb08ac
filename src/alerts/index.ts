export { batchedClaims } from './batched-claims.js';
export type { AlertChannel, ChannelType, SendResult } from './channel.js';
export { createChannels, type AlertChannelConfig, type CreateChannelsOptions } from './create-channels.js';
export {
  createAlertDispatcher,
  DEFAULT_RETRY,
  type AlertDispatcher,
  type AlertDispatcherOptions,
  type ChannelOutcome,
  type DispatchResult,
  type RetryPolicy,
} from './dispatcher.js';
export { createPagerDutyChannel, pagerDutyEvent, PAGERDUTY_EVENTS_URL, type PagerDutyChannelOptions } from './pagerduty.js';
export { createSlackChannel, slackMessage, type SlackChannelOptions } from './slack.js';
export { createWebhookChannel, type WebhookChannelOptions } from './webhook.js';
export { signWebhook, verifyWebhookSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-signature.js';
export { createPostThread, type PostThread } from './post-thread.js';
export { createTokenBucket, RateLimitQueueFull, type TokenBucket } from './rate-limit.js';
