import { Random } from './random';

/** What the publisher intends a message to be; the tests' oracle checks Waybill against it. */
export type Intent =
  'valid' | 'duplicate' | 'conflicting_duplicate' | 'invalid_json' | 'invalid_message' | 'unknown_subject';

export interface Publication {
  /** The subject after `<prefix>.ingest.`, e.g. `shipment.milestone`. */
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly intent: Intent;
  readonly shipmentId?: string;
  readonly messageId?: string;
  /** The parsed payload, for valid messages and duplicates. */
  readonly body?: Record<string, unknown>;
}

export interface ShipmentDayOptions {
  readonly shipments: number;
  readonly seed?: number;
  /** The day, `YYYY-MM-DD`. */
  readonly date?: string;
  /** Duplicates, conflicting duplicates and malformed messages mixed in. Default true. */
  readonly anomalies?: boolean;
  /** Prefix of shipment ids, so that runs do not collide. */
  readonly idPrefix?: string;
}

const CUSTOMERS = ['C-ACME', 'C-GLOBEX', 'C-INITECH', 'C-UMBRELLA', 'C-STARK'];
const CARRIERS = ['UPSN', 'FDEG', 'DHLX', 'XPOL', 'ODFL'];
const HUBS = [
  'Venlo hub',
  'Köln Eifeltor',
  'Duisburg',
  'Antwerp port',
  'Lyon Saint-Exupéry',
  'Milano Linate',
];
const CITIES = [
  { city: 'Rotterdam', country: 'NL', postalCode: '3011' },
  { city: 'Hamburg', country: 'DE', postalCode: '20457' },
  { city: 'Lille', country: 'FR', postalCode: '59000' },
  { city: 'Bologna', region: 'BO', country: 'IT', postalCode: '40121' },
];

const encoder = new TextEncoder();
const json = (body: unknown) => encoder.encode(JSON.stringify(body));

/**
 * A realistic day of shipment traffic: bookings from the TMS, scans from carriers, PODs from a
 * POD provider, exceptions and reefer temperatures, published out of order the way real
 * integrations do, with duplicates, conflicting duplicates and malformed messages mixed in.
 * Deterministic for a seed. Used by the end-to-end tests and the benchmarks alike.
 */
export function shipmentDay(options: ShipmentDayOptions): Publication[] {
  const rnd = new Random(options.seed ?? 20261127);
  const date = options.date ?? '2026-11-26';
  const prefix = options.idPrefix ?? 'SHP';
  let seq = 0;
  const at = (minutes: number) => new Date(Date.parse(`${date}T05:00:00Z`) + minutes * 60_000).toISOString();

  const perShipment: Publication[][] = [];
  for (let i = 0; i < options.shipments; i++) {
    const shipmentId = `${prefix}-${date.replaceAll('-', '')}-${String(i).padStart(5, '0')}`;
    const carrierId = rnd.pick(CARRIERS);
    const mk = (
      subject: string,
      minutes: number,
      source: string,
      extra: Record<string, unknown>,
    ): Publication => {
      const messageId = `${source.replace(/[^a-z0-9]/gi, '')}-${shipmentId}-${++seq}`;
      const body = { messageId, shipmentId, occurredAt: at(minutes), source, ...extra };
      return { subject, payload: json(body), intent: 'valid', shipmentId, messageId, body };
    };
    const list: Publication[] = [];
    let t = rnd.int(0, 120);
    const booking = mk('shipment.booked', t, 'tms', {
      orderId: `SO-${100000 + i}`,
      customerId: rnd.pick(CUSTOMERS),
      carrierId,
      origin: rnd.pick(CITIES),
      destination: rnd.chance(0.5) ? rnd.pick(CITIES) : `DC ${rnd.pick(['Venlo', 'Tilburg', 'Gent'])}`,
      promisedDeliveryBy: at(t + 12 * 60),
      charges: {
        currency: 'EUR',
        lines: [
          {
            code: 'FRT',
            description: 'Linehaul',
            amount: `${rnd.int(150, 900)}.${String(rnd.int(0, 99)).padStart(2, '0')}`,
          },
          ...(rnd.chance(0.3)
            ? [{ code: 'FSC', description: 'Fuel surcharge', amount: `${rnd.int(10, 60)}.00` }]
            : []),
        ],
      },
      references: {
        trackingNumbers: [`1Z${String(1e9 + i * 7919)}`],
        pro: `PRO-${i}`,
        billOfLading: `BOL-${i}`,
      },
    });
    list.push(booking);
    const milestone = (m: string, source: string, extra: Record<string, unknown> = {}) =>
      list.push(
        mk('shipment.milestone', (t += rnd.int(20, 180)), source, { milestone: m, carrierId, ...extra }),
      );

    if (rnd.chance(0.04)) {
      milestone('cancelled', 'tms');
      // A carrier scan that happened after the cancellation: kept, rejected, does not move it.
      if (rnd.chance(0.5)) milestone('in_transit', `carrier:${carrierId}`, { location: rnd.pick(HUBS) });
    } else {
      milestone('dispatched', 'tms');
      for (let s = rnd.int(1, 2); s > 0; s--)
        milestone('in_transit', `carrier:${carrierId}`, { location: rnd.pick(HUBS) });
      const reefer = rnd.chance(0.2);
      if (reefer) {
        const excursion = rnd.chance(0.25);
        list.push(
          mk('shipment.temperature', t + 5, `sensor:reefer-${i}`, {
            minCelsius: excursion ? 9.5 : 3.1,
            maxCelsius: excursion ? 11.2 : 6.8,
            allowedMinCelsius: 2,
            allowedMaxCelsius: 8,
          }),
        );
      }
      if (rnd.chance(0.15)) {
        const exceptionId = `EXC-${shipmentId}`;
        list.push(
          mk('shipment.exception', (t += 30), `carrier:${carrierId}`, {
            exceptionId,
            code: rnd.pick(['delay', 'address', 'damage']),
            severity: rnd.pick(['low', 'medium', 'high']),
            description: 'Reported by carrier',
          }),
        );
        if (rnd.chance(0.7))
          list.push(
            mk('shipment.exception-cleared', (t += 90), 'tms', {
              exceptionId,
              resolution: 'Customer contacted; new slot agreed',
            }),
          );
      }
      milestone('out_for_delivery', `carrier:${carrierId}`);
      milestone('delivered', `carrier:${carrierId}`);
      // The TMS reports the same delivery a few minutes later: one fact, two reports.
      if (rnd.chance(0.6))
        list.push(mk('shipment.milestone', t + rnd.int(1, 10), 'tms', { milestone: 'delivered' }));
      if (rnd.chance(0.85)) {
        const signed = rnd.chance(0.9);
        list.push(
          mk('shipment.pod', t + rnd.int(5, 240), 'pod:docuflow', {
            podId: `POD-${shipmentId}`,
            signatureCaptured: signed,
            ...(signed ? { signedBy: rnd.pick(['J. Doe', 'M. Jansen', 'A. Rossi']) } : {}),
            documentRef: `docuflow://${shipmentId}.pdf`,
            ...(rnd.chance(0.1) ? { remarks: '1 carton dented' } : {}),
          }),
        );
      }
      if (rnd.chance(0.02)) milestone('returned', `carrier:${carrierId}`);
    }

    // Real integrations publish late and out of order.
    if (rnd.chance(0.05)) {
      list.push(list.shift()!); // the booking arrives after everything else
    } else if (rnd.chance(0.2)) {
      const [first, ...rest] = list;
      list.splice(0, list.length, first!, ...rnd.shuffle(rest));
    }
    perShipment.push(list);
  }

  // Interleave shipments, keeping each shipment's own publish order.
  const day: Publication[] = [];
  const cursors = perShipment.map(() => 0);
  let remaining = perShipment.reduce((n, l) => n + l.length, 0);
  const open = perShipment.map((_, i) => i);
  while (remaining > 0) {
    const k = rnd.int(0, open.length - 1);
    const s = open[k]!;
    day.push(perShipment[s]![cursors[s]!++]!);
    remaining--;
    if (cursors[s] === perShipment[s]!.length) open.splice(k, 1);
  }

  if (options.anomalies === false) return day;
  return withAnomalies(day, rnd);
}

function withAnomalies(day: Publication[], rnd: Random): Publication[] {
  const out = [...day];
  const insertAfter = (index: number, p: Publication) => out.splice(rnd.int(index + 1, out.length), 0, p);
  const scale = Math.max(1, Math.round(day.length / 1500));

  for (let n = 0; n < 25 * scale; n++) {
    const index = rnd.int(0, out.length - 1);
    const original = out[index]!;
    if (original.intent !== 'valid') continue;
    insertAfter(index, { ...original, intent: 'duplicate' });
  }
  for (let n = 0; n < 5 * scale; n++) {
    const index = rnd.int(0, out.length - 1);
    const original = out[index]!;
    if (original.intent !== 'valid' || !original.body) continue;
    const body = {
      ...original.body,
      occurredAt: new Date(Date.parse(String(original.body.occurredAt)) + 3_600_000).toISOString(),
    };
    insertAfter(index, { ...original, intent: 'conflicting_duplicate', payload: json(body), body });
  }
  const broken: Publication[] = [
    {
      subject: 'shipment.milestone',
      payload: encoder.encode('{"messageId":"trunc-1","shipmentId":"SHP-X","milesto'),
      intent: 'invalid_json',
    },
    { subject: 'shipment.pod', payload: encoder.encode('<pod><id>P-9</id></pod>'), intent: 'invalid_json' },
    {
      subject: 'shipment.booked',
      payload: Uint8Array.from([0xff, 0xfe, 0x7b, 0x7d]),
      intent: 'invalid_json',
    },
    {
      subject: 'shipment.milestone',
      payload: json({
        messageId: 'bad-enum-1',
        shipmentId: 'SHP-X1',
        occurredAt: '2026-11-26T10:00:00Z',
        source: 'tms',
        milestone: 'teleported',
      }),
      intent: 'invalid_message',
      messageId: 'bad-enum-1',
    },
    {
      subject: 'shipment.milestone',
      payload: json({
        messageId: 'no-offset-1',
        shipmentId: 'SHP-X2',
        occurredAt: '2026-11-26T10:00:00',
        source: 'tms',
        milestone: 'delivered',
      }),
      intent: 'invalid_message',
      messageId: 'no-offset-1',
    },
    {
      subject: 'shipment.exception',
      payload: json({
        messageId: 'no-ship-1',
        occurredAt: '2026-11-26T10:00:00Z',
        source: 'tms',
        exceptionId: 'E',
        code: 'delay',
        severity: 'low',
      }),
      intent: 'invalid_message',
      messageId: 'no-ship-1',
    },
    {
      subject: 'shipment.booked',
      payload: json({
        messageId: 'bad-money-1',
        shipmentId: 'SHP-X3',
        occurredAt: '2026-11-26T10:00:00Z',
        source: 'tms',
        orderId: 'SO',
        customerId: 'C',
        carrierId: 'UPSN',
        origin: 'A',
        destination: 'B',
        charges: { currency: 'EURO', lines: [{ code: 'FRT', description: 'x', amount: 12.5 }] },
      }),
      intent: 'invalid_message',
      messageId: 'bad-money-1',
    },
    {
      subject: 'shipment.temperature',
      payload: json({
        messageId: 'bad-temp-1',
        shipmentId: 'SHP-X4',
        occurredAt: '2026-11-26T10:00:00Z',
        source: 'sensor',
        minCelsius: 'cold',
        maxCelsius: 4,
        allowedMinCelsius: 2,
        allowedMaxCelsius: 8,
      }),
      intent: 'invalid_message',
      messageId: 'bad-temp-1',
    },
    { subject: 'shipment.milestone', payload: json([1, 2, 3]), intent: 'invalid_message' },
    {
      subject: 'shipment.teleported',
      payload: json({ messageId: 'unknown-subj-1', shipmentId: 'SHP-X5' }),
      intent: 'unknown_subject',
      messageId: 'unknown-subj-1',
    },
    { subject: 'billing.magic', payload: json({ hello: 'world' }), intent: 'unknown_subject' },
  ];
  for (const p of broken) out.splice(rnd.int(0, out.length), 0, p);
  return out;
}
