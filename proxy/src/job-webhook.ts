/**
 * The signed completion notice of an async job, Stripe/GitHub style: a JSON POST with
 * `x-switchyard-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` under
 * the app's webhook secret, so the receiver checks the sender and refuses replays (old `t`).
 * Delivery is best effort: a few attempts with backoff, not carried across a restart (the
 * status URL stays the source of truth).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { internalHostProblem, publicOnlyLookup } from './webhook-address.ts';

export const SIGNATURE_HEADER = 'x-switchyard-signature';
/** Connections per receiving host: room for 16 projects' notices at 2 each. */
export const WEBHOOK_CONNECTIONS_PER_HOST = 32;

export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Receiver side (tests, docs): true when `header` signs `body` under `secret` within `toleranceS`. */
export function verifyWebhook(secret: string, body: string, header: string, nowS: number, toleranceS = 300): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (m === null) return false;
  const t = Number(m[1]);
  if (Math.abs(nowS - t) > toleranceS) return false;
  const expected = Buffer.from(signWebhook(secret, body, t));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * A webhook URL the proxy will call: absolute http(s), no credentials in it, and (unless the
 * operator allows internal addresses) not a loopback, private or link-local address as written.
 */
export function webhookProblem(raw: string, allowInternal = false): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be http or https';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  return allowInternal ? null : internalHostProblem(url);
}

/**
 * The webhook client: its own connection pool (webhooks go to callers' hosts, not to replicas),
 * and unless internal addresses are allowed, a lookup that refuses names resolving inside.
 * Each project has at most WEBHOOKS_PER_PROJECT notices in flight, all its apps together
 * (webhook-lanes.ts), so a host's connections are shared by up to CONNECTIONS /
 * WEBHOOKS_PER_PROJECT projects sending at once, however many apps each has.
 */
export function webhookDispatcher(allowInternal: boolean): Dispatcher {
  return new Agent({ connections: WEBHOOK_CONNECTIONS_PER_HOST, ...(allowInternal ? {} : { connect: { lookup: publicOnlyLookup() } }) });
}

export async function deliverWebhook(url: string, secret: string, payload: unknown, dispatcher: Dispatcher, nowS: () => number, attempts = 3, allowInternal = false): Promise<boolean> {
  // A URL stored before this rule (or under another setting) is checked again before sending.
  if (webhookProblem(url, allowInternal) !== null) return false;
  const body = JSON.stringify(payload);
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(secret, body, nowS()) },
        body,
        dispatcher,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.dump();
      if (res.statusCode < 300) return true;
    } catch {
      /* retried below */
    }
    await new Promise((r) => setTimeout(r, 500 * 2 ** i));
  }
  return false;
}
