import type { EventLatencyRow } from './event-latency.projection';
import type { KpiException, ShipmentKpiFacts } from './kpi-facts.projection';
import { computeKpis, deliveryAgeBucket, type KpiInput, type Kpis } from './kpis';

const HOUR = 3_600_000;
const day = (d: number, hhmm: string) => `2026-11-${d}T${hhmm}:00.000Z`;

const blank: ShipmentKpiFacts = {
  shipmentId: 'SHP-0',
  customerId: 'C-ACME',
  carrierId: 'UPSN',
  bookedAt: null,
  promisedDeliveryBy: null,
  deliveredAt: null,
  onTime: null,
  cancelled: false,
  billingStatus: 'awaiting_delivery',
  deliveredNotBillable: false,
  releaseRequestedAt: null,
  invoicedAt: null,
  holdReasons: [],
  everHeld: false,
  manualTouches: 0,
  touchless: false,
  amount: '420.00',
  currency: 'EUR',
  exceptions: [],
  cases: [],
  carrierReportLatencyMs: {},
  lastEventAt: null,
  revision: 0n,
};
const fact = (overrides: Partial<ShipmentKpiFacts>): ShipmentKpiFacts => ({ ...blank, ...overrides });
const exception = (raisedAt: string | null, clearedAt: string | null): KpiException => ({
  exceptionId: `E-${raisedAt}-${clearedAt}`,
  code: 'delay',
  raisedAt,
  clearedAt,
});

// The window is 27 November, UTC.
const window = {
  from: new Date(day(27, '00:00')),
  to: new Date(day(28, '00:00')),
  now: new Date(day(28, '00:00')),
};
const input = (overrides: Partial<KpiInput>): KpiInput => ({
  ...window,
  facts: [],
  latencyHours: [],
  exactDuplicates: 0,
  messages: 0,
  parkedByReason: {},
  ...overrides,
});

describe('computeKpis', () => {
  it('when nothing happened, then every measure is empty and every rate is null', () => {
    expect(computeKpis(input({}))).toStrictEqual<Kpis>({
      eventLatencyMs: { p50: null, p95: null, count: 0 },
      invoiceReleaseMs: { p50: null, p95: null, count: 0 },
      invoicedMs: { p50: null, p95: null, count: 0 },
      exceptionResolutionMs: { p50: null, p95: null, count: 0 },
      touchlessBillingRate: null,
      duplicateRate: null,
      onTimeDeliveryRate: null,
      deliveredNotBillable: {
        count: 0,
        value: {},
        byAge: { '<24h': 0, '24-48h': 0, '48-72h': 0, '3-7d': 0, '>7d': 0 },
      },
      parkedByReason: {},
    });
  });

  it('when releases and invoices happen, then they count in the window they happened in, measured from the delivery', () => {
    const facts = [
      // Delivered the day before, released 3 h and invoiced 7 h after the delivery.
      fact({
        deliveredAt: day(26, '22:00'),
        releaseRequestedAt: day(27, '01:00'),
        invoicedAt: day(27, '05:00'),
        touchless: true,
      }),
      // Released in the window (1 h), invoiced after it.
      fact({
        deliveredAt: day(27, '02:00'),
        releaseRequestedAt: day(27, '03:00'),
        invoicedAt: day(28, '01:00'),
      }),
      // Released before the window, invoiced at its very start, 48 h after the delivery.
      fact({
        deliveredAt: day(25, '00:00'),
        releaseRequestedAt: day(26, '23:59'),
        invoicedAt: day(27, '00:00'),
        touchless: true,
      }),
      // The source's clock is a minute ahead of Waybill's: 0, not negative.
      fact({ deliveredAt: day(27, '10:00'), releaseRequestedAt: day(27, '09:59'), touchless: true }),
      // Released on a POD with no delivery reported: it counts for touchless billing only.
      fact({ deliveredAt: null, releaseRequestedAt: day(27, '12:00'), touchless: true }),
    ];
    const kpis = computeKpis(input({ facts }));
    expect(kpis.invoiceReleaseMs).toStrictEqual({ p50: HOUR, p95: 3 * HOUR, count: 3 });
    expect(kpis.invoicedMs).toStrictEqual({ p50: 7 * HOUR, p95: 48 * HOUR, count: 2 });
    expect(kpis.touchlessBillingRate).toBe(0.75);
  });

  it('when exceptions are cleared, then their resolution time counts in the window they were cleared in', () => {
    const facts = [
      fact({
        exceptions: [
          exception(day(26, '20:00'), day(27, '02:00')),
          exception(day(27, '01:00'), day(27, '01:30')),
        ],
      }),
      fact({
        exceptions: [
          exception(day(27, '23:00'), day(28, '01:00')),
          exception(day(27, '03:00'), null),
          // Only its clearing has arrived: no resolution time yet.
          exception(null, day(27, '04:00')),
        ],
      }),
    ];
    expect(computeKpis(input({ facts })).exceptionResolutionMs).toStrictEqual({
      p50: HOUR / 2,
      p95: 6 * HOUR,
      count: 2,
    });
  });

  it('when shipments are delivered in the window, then the on-time rate is over those with a promise', () => {
    const facts = [
      fact({ deliveredAt: day(27, '08:00'), onTime: true }),
      fact({ deliveredAt: day(27, '09:00'), onTime: true }),
      fact({ deliveredAt: day(27, '23:59'), onTime: false }),
      fact({ deliveredAt: day(27, '10:00'), onTime: null }),
      fact({ deliveredAt: day(26, '10:00'), onTime: false }),
    ];
    expect(computeKpis(input({ facts })).onTimeDeliveryRate).toBe(2 / 3);
  });

  it('when delivered shipments wait to be billable, then they are counted by age at now and valued by currency', () => {
    const deliveredAgo = (ms: number) => new Date(window.now.getTime() - ms).toISOString();
    const waiting = (ago: number, amount: string | null, currency: string | null) =>
      fact({ deliveredAt: deliveredAgo(ago), deliveredNotBillable: true, amount, currency });
    const facts = [
      waiting(HOUR, '420.00', 'EUR'),
      waiting(24 * HOUR, '0.10', 'EUR'),
      waiting(50 * HOUR, '99.5', 'USD'),
      waiting(5 * 24 * HOUR, null, null),
      waiting(7 * 24 * HOUR, '0.5', 'USD'),
      // A delivery time ahead of now (the source's clock): the youngest bucket.
      waiting(-HOUR, '1', 'EUR'),
      fact({ deliveredAt: deliveredAgo(HOUR), deliveredNotBillable: false }),
    ];
    expect(computeKpis(input({ facts })).deliveredNotBillable).toStrictEqual({
      count: 6,
      value: { EUR: '421.10', USD: '100.0' },
      byAge: { '<24h': 2, '24-48h': 1, '48-72h': 1, '3-7d': 1, '>7d': 1 },
    });
  });

  it('when a wait is on a bucket boundary, then it belongs to the older bucket', () => {
    expect(
      [0, 24 * HOUR - 1, 24 * HOUR, 48 * HOUR, 72 * HOUR, 168 * HOUR - 1, 168 * HOUR].map(deliveryAgeBucket),
    ).toStrictEqual(['<24h', '<24h', '24-48h', '48-72h', '3-7d', '3-7d', '>7d']);
  });

  it('when hours of latency overlap the window, then their histograms and corroborations count and the others do not', () => {
    const hour = (h: string, latencyMs: Record<string, number>, corroborations: number): EventLatencyRow => ({
      hour: h,
      reports: Object.values(latencyMs).reduce((a, b) => a + b, 0),
      latencyMs,
      corroborations,
    });
    const kpis = computeKpis(
      input({
        latencyHours: [
          hour('2026-11-26T23', { '99999744': 5 }, 7),
          hour('2026-11-27T00', { '10': 3 }, 1),
          hour('2026-11-27T23', { '1024': 1 }, 1),
          hour('2026-11-28T00', { '99999744': 5 }, 7),
        ],
        exactDuplicates: 2,
        messages: 10,
        parkedByReason: { invalid_json: 2, unmatched_reference: 1 },
      }),
    );
    // p95 is rank 4 of 4: the middle of [1024, 1088).
    expect(kpis.eventLatencyMs).toStrictEqual({ p50: 10, p95: 1056, count: 4 });
    expect(kpis.duplicateRate).toBe(0.4);
    expect(kpis.parkedByReason).toStrictEqual({ invalid_json: 2, unmatched_reference: 1 });
  });
});
