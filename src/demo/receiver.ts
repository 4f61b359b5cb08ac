/**
 * The demo's stand-in for on-call and for the exchange: one local HTTP server with
 *
 *   POST /alerts  Cordon's generic webhook alert channel (what on-call would receive)
 *   POST /hook    Cordon's exchange hook (what the exchange's back office would receive)
 *
 * Each delivery's signature is checked with the secret the demo configured, recorded, and
 * handed to `onDelivery` as it arrives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER as ALERT_SIGNATURE, TIMESTAMP_HEADER as ALERT_TIMESTAMP, verifyWebhookSignature } from '../alerts/webhook-signature.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyHookSignature } from '../holds/index.js';

export interface AlertDelivery {
  readonly path: '/alerts';
  readonly receivedAt: number;
  readonly signatureOk: boolean;
  readonly kind: string;
  readonly severity: string;
  readonly summary: string;
  readonly txid: string | null;
}

export interface HookDelivery {
  readonly path: '/hook';
  readonly receivedAt: number;
  readonly signatureOk: boolean;
  readonly holdId: number;
  readonly account: string;
  readonly direction: string;
  readonly counterparty: string;
  readonly state: string;
  readonly txid: string;
}

export type Delivery = AlertDelivery | HookDelivery;

export interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  alerts(): AlertDelivery[];
  hooks(): HookDelivery[];
  close(): Promise<void>;
}

export interface ReceiverOptions {
  readonly alertSecret: string;
  readonly hookSecret: string;
  readonly onDelivery?: (d: Delivery) => void;
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const receivedAt = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => str(req.headers[name]);
      const json = parse(body);
      let delivery: Delivery | null = null;
      if (req.method === 'POST' && req.url === '/alerts') {
        const details = field(json, 'details');
        delivery = {
          path: '/alerts',
          receivedAt,
          signatureOk: verifyWebhookSignature(opts.alertSecret, header(ALERT_TIMESTAMP), body, header(ALERT_SIGNATURE)),
          kind: str(field(json, 'kind')),
          severity: str(field(json, 'severity')),
          summary: str(field(json, 'summary')),
          txid: str(field(details, 'txid')) || null,
        };
      } else if (req.method === 'POST' && req.url === '/hook') {
        delivery = {
          path: '/hook',
          receivedAt,
          signatureOk: verifyHookSignature(body, header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER), opts.hookSecret, 300),
          holdId: Number(field(json, 'id')),
          account: str(field(json, 'account')),
          direction: str(field(json, 'direction')),
          counterparty: str(field(json, 'counterparty')),
          state: str(field(json, 'state')),
          txid: str(field(json, 'txid')),
        };
      }
      if (delivery === null) {
        res.writeHead(404).end();
        return;
      }
      deliveries.push(delivery);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      opts.onDelivery?.(delivery);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    deliveries,
    alerts: () => deliveries.filter((d): d is AlertDelivery => d.path === '/alerts'),
    hooks: () => deliveries.filter((d): d is HookDelivery => d.path === '/hook'),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
