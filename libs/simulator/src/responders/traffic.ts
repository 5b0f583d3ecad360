import type { NatsConnection } from 'nats';
import type { BillingPolicyInput } from '@waybill/domain';
import { subjectsFor } from '@waybill/messaging';
import { shipmentDay, type Publication } from '../shipment-day';

/** A customer contract that `runTraffic` publishes on the `contract` subject before any shipment. */
export interface TrafficContract {
  readonly customerId: string;
  readonly contractId: string;
  readonly policy: BillingPolicyInput;
}

/**
 * One contract per kind of outcome, for the customers of `shipmentDay`. C-STARK has none, so its
 * shipments are held as `no_contract`.
 */
export const DEMO_CONTRACTS: readonly TrafficContract[] = [
  { customerId: 'C-ACME', contractId: 'K-ACME-1', policy: { billingTrigger: 'delivered' } },
  {
    customerId: 'C-GLOBEX',
    contractId: 'K-GLOBEX-1',
    policy: { billingTrigger: 'pod', requireSignedPod: true },
  },
  {
    customerId: 'C-INITECH',
    contractId: 'K-INITECH-1',
    policy: { billingTrigger: 'delivered', requireTemperatureCompliance: true },
  },
  // A grace of 36 seconds: a missing POD becomes a case while the demo watches.
  {
    customerId: 'C-UMBRELLA',
    contractId: 'K-UMBRELLA-1',
    policy: { billingTrigger: 'pod', podGraceHours: 0.01 },
  },
];

export interface TrafficOptions {
  readonly nats: NatsConnection;
  /** `WAYBILL_SUBJECT_PREFIX`. */
  readonly subjectPrefix: string;
  /** Rate of new shipments. Give this or `messagesPerSecond`; default 5 a minute. */
  readonly shipmentsPerMinute?: number;
  /** Rate of messages, averaged over the run. */
  readonly messagesPerSecond?: number;
  /** Stop by this long after the start; the plan is sized so that every shipment finishes by then. */
  readonly durationMs?: number;
  /** Shipments in the plan. Default: as many as fit in `durationMs`, else 2,000. */
  readonly shipments?: number;
  /** Stops the run early. */
  readonly signal?: AbortSignal;
  /** Default 20261127. */
  readonly seed?: number;
  /** Prefix of shipment and contract message ids. Default: unique per run, so that runs never collide. */
  readonly idPrefix?: string;
  /** Duplicates and malformed messages mixed in (see `shipmentDay`). Default false. */
  readonly anomalies?: boolean;
  /** Default `DEMO_CONTRACTS`; `[]` for none. */
  readonly contracts?: readonly TrafficContract[];
  /** Told of every message once JetStream acknowledged it. */
  readonly onPublish?: (subject: string, body: Record<string, unknown> | undefined) => void;
  /** Default `Date.now`. */
  readonly clock?: () => number;
}

export interface TrafficSummary {
  /** Messages published and acknowledged, contracts included. */
  readonly published: number;
  /** Messages in the plan, contracts included. */
  readonly planned: number;
  readonly contracts: number;
  readonly shipments: number;
  /** `completed`: the whole plan; `duration`: stopped at `durationMs`; `aborted`: by the signal. */
  readonly endedBy: 'completed' | 'duration' | 'aborted';
  readonly elapsedMs: number;
}

interface Scheduled {
  readonly atMs: number;
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly body: Record<string, unknown> | undefined;
}

const DEFAULT_SHIPMENT_CAP = 2_000;
/** How many shipments are under way at once: each unfolds over this many start intervals. */
const SHIPMENTS_IN_FLIGHT = 3;
const encoder = new TextEncoder();

/**
 * Publishes `shipmentDay` traffic at a steady rate: contracts first, then shipment after shipment,
 * each one's messages spread over a short lifetime and in its own (sometimes shuffled) order.
 * The timestamps are compressed along: a shipment's day of hours happens in seconds, ending near
 * the moment its last message is published, so deadlines such as a POD grace period fall while
 * the run watches. Always bounded: it ends with the plan, at `durationMs`, or on `signal`.
 */
export async function runTraffic(options: TrafficOptions): Promise<TrafficSummary> {
  if (options.shipmentsPerMinute !== undefined && options.messagesPerSecond !== undefined)
    throw new RangeError('runTraffic: give shipmentsPerMinute or messagesPerSecond, not both');
  const rate = options.messagesPerSecond ?? options.shipmentsPerMinute ?? 5;
  if (!(rate > 0)) throw new RangeError('runTraffic: the rate must be positive');
  if (options.durationMs !== undefined && !(options.durationMs > 0))
    throw new RangeError('runTraffic: durationMs must be positive');

  const clock = options.clock ?? Date.now;
  const start = clock();
  const idPrefix = options.idPrefix ?? `SIM${start.toString(36).toUpperCase()}`;
  const subjects = subjectsFor(options.subjectPrefix);
  const js = options.nats.jetstream();
  const contracts = options.contracts ?? DEMO_CONTRACTS;

  const plan = planShipments(options, rate, start, idPrefix);
  const planned = contracts.length + plan.messages.length;
  let published = 0;
  const publish = async (subject: string, payload: Uint8Array, body: Record<string, unknown> | undefined) => {
    await js.publish(subjects.ingest(subject), payload);
    published++;
    options.onPublish?.(subject, body);
  };
  const summary = (endedBy: TrafficSummary['endedBy']): TrafficSummary => ({
    published,
    planned,
    contracts: contracts.length,
    shipments: plan.shipments,
    endedBy,
    elapsedMs: clock() - start,
  });

  const occurredAt = new Date(start).toISOString();
  for (const c of contracts) {
    if (options.signal?.aborted) return summary('aborted');
    const body = {
      messageId: `${idPrefix}-contract-${c.customerId}`,
      occurredAt,
      source: 'crm:test',
      customerId: c.customerId,
      contractId: c.contractId,
      policy: c.policy,
    };
    await publish('contract', encoder.encode(JSON.stringify(body)), body);
  }

  const deadline = options.durationMs === undefined ? Infinity : start + options.durationMs;
  for (const m of plan.messages) {
    const due = Math.max(m.atMs, clock());
    if (due > deadline) return summary('duration');
    if (!(await sleepUntil(due, clock, options.signal))) return summary('aborted');
    await publish(m.subject, m.payload, m.body);
  }
  return summary('completed');
}

/** Resolves true at `due`, or false as soon as the signal aborts. */
function sleepUntil(due: number, clock: () => number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  const wait = due - clock();
  if (wait <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, wait);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Shipment k starts at k × gap and publishes its m messages evenly over a lifetime of
 * SHIPMENTS_IN_FLIGHT gaps (less when the run is shorter). With a duration, the plan holds the
 * shipments that finish within it.
 */
function planShipments(
  options: TrafficOptions,
  rate: number,
  start: number,
  idPrefix: string,
): { shipments: number; messages: Scheduled[] } {
  const durationMs = options.durationMs;
  const perMinute = options.messagesPerSecond === undefined;
  // A shipment has 3 to 12 messages: an estimate on the high side so the generated day is enough.
  const estimate =
    options.shipments ??
    (durationMs === undefined
      ? DEFAULT_SHIPMENT_CAP
      : Math.ceil(perMinute ? (durationMs / 60_000) * rate : ((durationMs / 1000) * rate) / 3) + 1);
  const groups = byShipment(
    shipmentDay({
      shipments: estimate,
      seed: options.seed ?? 20261127,
      idPrefix,
      anomalies: options.anomalies ?? false,
    }),
  );
  const averageMessages = groups.reduce((n, g) => n + g.length, 0) / Math.max(1, groups.length);
  const gapMs = perMinute ? 60_000 / rate : (averageMessages * 1000) / rate;
  const lifetimeMs = Math.min(SHIPMENTS_IN_FLIGHT * gapMs, durationMs ?? Infinity);
  const count =
    options.shipments ??
    (durationMs === undefined
      ? groups.length
      : Math.min(groups.length, Math.max(1, Math.floor((durationMs - lifetimeMs) / gapMs) + 1)));

  const messages: Scheduled[] = [];
  groups.slice(0, count).forEach((group, k) => {
    const startsAt = start + k * gapMs;
    const step = group.length > 1 ? lifetimeMs / group.length : 0;
    const compress = timeCompression(group, startsAt, lifetimeMs);
    group.forEach((p, j) => {
      const body = p.body && compress(p.body);
      messages.push({
        atMs: startsAt + j * step,
        subject: p.subject,
        payload: body ? encoder.encode(JSON.stringify(body)) : p.payload,
        body,
      });
    });
  });
  messages.sort((a, b) => a.atMs - b.atMs);
  return { shipments: count, messages };
}

/** Each shipment's messages in publish order; a message without a shipment joins the one before it. */
function byShipment(day: readonly Publication[]): Publication[][] {
  const groups = new Map<string, Publication[]>();
  let last: Publication[] | undefined;
  for (const p of day) {
    const group = p.shipmentId === undefined ? last : groups.get(p.shipmentId);
    if (group) group.push(p);
    else if (p.shipmentId !== undefined) groups.set(p.shipmentId, [p]);
    else continue;
    last = groups.get(p.shipmentId ?? '') ?? last;
  }
  return [...groups.values()];
}

/**
 * Maps a shipment's timestamps linearly onto [startsAt, startsAt + lifetime]: hours become
 * seconds, and the order of events in time (not the publish order) is kept. The same body always
 * maps to the same bytes, so a re-sent message stays an exact duplicate.
 */
function timeCompression(
  group: readonly Publication[],
  startsAt: number,
  lifetimeMs: number,
): (body: Record<string, unknown>) => Record<string, unknown> {
  const times = group.map((p) => Date.parse(String(p.body?.occurredAt))).filter((t) => Number.isFinite(t));
  const first = Math.min(...times);
  const span = Math.max(...times) - first;
  const factor = span > 0 ? lifetimeMs / span : 0;
  const map = (value: unknown) => {
    const t = typeof value === 'string' ? Date.parse(value) : NaN;
    return Number.isFinite(t) ? new Date(startsAt + Math.round((t - first) * factor)).toISOString() : value;
  };
  return (body) => ({
    ...body,
    occurredAt: map(body.occurredAt),
    ...(body.promisedDeliveryBy === undefined ? {} : { promisedDeliveryBy: map(body.promisedDeliveryBy) }),
  });
}
