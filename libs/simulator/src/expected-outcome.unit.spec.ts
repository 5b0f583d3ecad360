import { expectedOutcome } from './expected-outcome';
import { shipmentDay } from './shipment-day';

describe('expectedOutcome', () => {
  const outcome = expectedOutcome(shipmentDay({ shipments: 50, seed: 7, anomalies: true }));

  it('when a day is replayed, then its log holds every stream event once, each stream in order', () => {
    const byStream = new Map<string, unknown[]>();
    for (const { shipmentId, event } of outcome.log)
      byStream.set(shipmentId, [...(byStream.get(shipmentId) ?? []), event]);
    expect(byStream).toEqual(outcome.streams);
    const total = [...outcome.streams.values()].reduce((n, events) => n + events.length, 0);
    expect(outcome.log).toHaveLength(total);
  });

  it('when a day is replayed, then its log interleaves the shipments, as a real log does', () => {
    // A shipment whose events are not all next to each other: another shipment's event comes between.
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    outcome.log.forEach(({ shipmentId }, i) => {
      if (!first.has(shipmentId)) first.set(shipmentId, i);
      last.set(shipmentId, i);
    });
    const interleaved = [...first].filter(
      ([id, start]) => last.get(id)! - start + 1 > outcome.streams.get(id)!.length,
    );
    expect(interleaved.length).toBeGreaterThan(outcome.streams.size / 2);
  });
});
