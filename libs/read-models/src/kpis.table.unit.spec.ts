import type { ShipmentKpiFacts } from '@waybill/projections';
import { activeSpan } from './kpis.table';

const facts = (overrides: Record<string, unknown>): ShipmentKpiFacts =>
  ({
    shipmentId: 'SHP-1',
    customerId: null,
    carrierId: null,
    bookedAt: null,
    deliveredAt: null,
    exceptions: [],
    cases: [],
    carrierReportLatencyMs: {},
    lastEventAt: null,
    revision: 0n,
    ...overrides,
  }) as unknown as ShipmentKpiFacts;

describe('the span of a shipment’s KPI facts', () => {
  it('when times sit anywhere in the facts, nested or with offsets, then the span runs from the first to the last of them', () => {
    expect(
      activeSpan(
        facts({
          bookedAt: '2026-11-26T06:00:00+02:00',
          deliveredAt: '2026-11-26T12:00:00Z',
          exceptions: [
            { exceptionId: 'E-1', raisedAt: '2026-11-26T09:00:00Z', clearedAt: '2026-11-28T09:30:00.500Z' },
          ],
          lastEventAt: new Date('2026-11-27T00:00:00Z'),
        }),
      ),
    ).toEqual({ from: '2026-11-26T04:00:00.000Z', to: '2026-11-28T09:30:00.500Z' });
  });

  it('when the facts hold hourly histograms, then an hour counts to its end', () => {
    expect(activeSpan(facts({ carrierReportLatencyMs: { '2026-11-26T10': { '120': 3 } } }))).toEqual({
      from: '2026-11-26T10:00:00.000Z',
      to: '2026-11-26T11:00:00.000Z',
    });
  });

  it('when the facts hold no time at all, then there is no span, and the row is read for every window', () => {
    expect(activeSpan(facts({ customerId: 'C-1', carrierId: 'UPSN' }))).toBeNull();
  });
});
