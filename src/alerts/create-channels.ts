import type { CordonConfig } from '../config/schema.js';
import type { AlertChannel } from './channel.js';
import type { PostAlert } from './http.js';
import { createPagerDutyChannel } from './pagerduty.js';
import { createSlackChannel } from './slack.js';
import { createWebhookChannel } from './webhook.js';

export type AlertChannelConfig = CordonConfig['alerts']['channels'][number];

export interface CreateChannelsOptions {
  /** Overrides PagerDuty's Events API URL (tests, EU region). */
  readonly pagerDutyUrl?: string;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  /** How requests are sent (default: from the calling thread); the daemon passes its alert sender thread's. */
  readonly post?: PostAlert;
}

/** Channel objects from `alerts.channels`; secrets stay inside each channel's closure. */
export function createChannels(configs: readonly AlertChannelConfig[], opts: CreateChannelsOptions = {}): AlertChannel[] {
  // What every channel takes alike: the request timeout and how requests are sent.
  const sending = { ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }), ...(opts.post === undefined ? {} : { post: opts.post }) };
  return configs.map((c): AlertChannel => {
    switch (c.type) {
      case 'pagerduty':
        return createPagerDutyChannel({
          name: c.name,
          routingKey: c.routingKey,
          severity: c.severity,
          ...(c.eventsUrl !== undefined ? { url: c.eventsUrl } : opts.pagerDutyUrl === undefined ? {} : { url: opts.pagerDutyUrl }),
          ...sending,
        });
      case 'slack':
        return createSlackChannel({ name: c.name, webhookUrl: c.webhookUrl, ...sending });
      case 'webhook':
        return createWebhookChannel({ name: c.name, url: c.url, secret: c.secret, ...sending });
    }
  });
}
