import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translateCarrierTracking } from './index';

const fixtures = join(__dirname, '../../fixtures/carrier-apis');
const receivedAt = new Date('2024-01-20T00:00:00Z');
const fixture = (name: string): Uint8Array => readFileSync(join(fixtures, name));
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** The documented key: SHA-256 of (tracking number, code, time as given, location), unit-separated. */
const id = (prefix: string, ...parts: string[]): string =>
  `${prefix}:${createHash('sha256').update(parts.join('\u001f')).digest('hex')}`;

describe('translateCarrierTracking', () => {
  describe('UPS Track API v1', () => {
    const ups = (name: string) => translateCarrierTracking(fixture(name), { carrier: 'ups', receivedAt });
    const delivered = { trackingNumbers: ['1Z999AA10123456784'] };
    const excepted = { trackingNumbers: ['1Z999AA10123456795'] };
    const deliveredId = id('ups', '1Z999AA10123456784', 'D/KB', '20240116T143500-05:00', 'Atlanta, GA, US');
    const exceptionId = id('ups', '1Z999AA10123456795', 'X/AD', '20240117T093000', 'Denver, CO, US');

    it('when a response has a delivered package with a signer, an exception and an unknown type, then milestones, a POD, an exception, an ETA, a rejection and a warning come out', () => {
      expect(ups('ups-track-v1.json')).toStrictEqual({
        messages: [
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: deliveredId,
              occurredAt: '2024-01-16T14:35:00-05:00',
              source: 'carrier:UPS',
              milestone: 'delivered',
              location: 'Atlanta, GA, US',
            },
            references: delivered,
            place: 'trackResponse.shipment[0].package[0].activity[0]',
          },
          {
            kind: 'shipment.pod',
            payload: {
              messageId: `${deliveredId}:pod`,
              occurredAt: '2024-01-16T14:35:00-05:00',
              source: 'carrier:UPS',
              podId: `${deliveredId}:pod`,
              signedBy: 'JANSEN',
              signatureCaptured: true,
            },
            references: delivered,
            place: 'trackResponse.shipment[0].package[0].activity[0]',
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id('ups', '1Z999AA10123456784', 'I/OT', '20240116T081200', 'Atlanta, GA, US'),
              occurredAt: '2024-01-16T08:12:00-05:00',
              source: 'carrier:UPS',
              timeZoneGuessed: true,
              milestone: 'out_for_delivery',
              location: 'Atlanta, GA, US',
            },
            references: delivered,
            place: 'trackResponse.shipment[0].package[0].activity[1]',
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id('ups', '1Z999AA10123456784', 'I/DP', '20240115T231500', 'Louisville, KY, US'),
              occurredAt: '2024-01-15T23:15:00-05:00',
              source: 'carrier:UPS',
              timeZoneGuessed: true,
              milestone: 'in_transit',
              location: 'Louisville, KY, US',
            },
            references: delivered,
            place: 'trackResponse.shipment[0].package[0].activity[2]',
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id('ups', '1Z999AA10123456784', 'P/PU', '20240115T170000', 'Chicago, IL, US'),
              occurredAt: '2024-01-15T17:00:00-06:00',
              source: 'carrier:UPS',
              timeZoneGuessed: true,
              milestone: 'dispatched',
              location: 'Chicago, IL, US',
            },
            references: delivered,
            place: 'trackResponse.shipment[0].package[0].activity[3]',
          },
          {
            kind: 'shipment.exception',
            payload: {
              messageId: exceptionId,
              occurredAt: '2024-01-17T09:30:00-07:00',
              source: 'carrier:UPS',
              timeZoneGuessed: true,
              exceptionId,
              code: 'address',
              severity: 'medium',
              description: 'The address is incomplete. UPS will attempt to obtain the correct address.',
            },
            references: excepted,
            place: 'trackResponse.shipment[1].package[0].activity[0]',
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id('ups', '1Z999AA10123456795', 'I/AR', '20240116T221000', 'Hodgkins, IL, US'),
              occurredAt: '2024-01-16T22:10:00-06:00',
              source: 'carrier:UPS',
              timeZoneGuessed: true,
              milestone: 'in_transit',
              location: 'Hodgkins, IL, US',
            },
            references: excepted,
            place: 'trackResponse.shipment[1].package[0].activity[1]',
          },
          {
            kind: 'shipment.eta',
            payload: {
              messageId: id('ups', '1Z999AA10123456795', 'eta:delivery', 'SDD:20240118T200000'),
              occurredAt: '2024-01-17T09:30:00-07:00',
              source: 'carrier:UPS',
              timeZoneGuessed: true,
              estimate: 'delivery',
              estimatedAt: '2024-01-18T20:00:00-07:00',
            },
            references: excepted,
            place: 'trackResponse.shipment[1].package[0].deliveryDate[0]',
          },
        ],
        rejected: [
          {
            reason: 'unknown_code',
            place: 'trackResponse.shipment[1].package[0].activity[2]',
            code: 'status.type=ZZ',
            explanation: 'UPS status status.type=ZZ ("Something new") is not in Waybill\'s UPS table',
          },
        ],
        warnings: [
          'trackResponse.shipment[0].package[0].activity[4]: UPS status M/MP is informational; no message',
        ],
      });
    });

    it('when the same response is polled again later, then every messageId is the same', () => {
      const again = translateCarrierTracking(fixture('ups-track-v1.json'), {
        carrier: 'UPS',
        receivedAt: new Date('2024-01-21T00:00:00Z'),
      });
      expect(again).toStrictEqual(ups('ups-track-v1.json'));
    });

    it('when the latest activity has an empty address and an earlier one a real address, then the real one gives the estimate its zone', () => {
      const empty = { city: '', stateProvince: '', postalCode: '', countryCode: '', country: '' };
      const body = JSON.stringify({
        trackResponse: {
          shipment: [
            {
              package: [
                {
                  trackingNumber: '1Z999AA10123456806',
                  deliveryDate: [{ type: 'SDD', date: '20240118' }],
                  activity: [
                    {
                      location: { address: empty },
                      status: { type: 'I', description: 'Departed from Facility', code: 'DP' },
                      date: '20240117',
                      time: '061500',
                    },
                    {
                      location: { address: { city: 'Denver', stateProvince: 'CO', countryCode: 'US' } },
                      status: { type: 'I', description: 'Arrived at Facility', code: 'AR' },
                      date: '20240116',
                      time: '221000',
                    },
                  ],
                },
              ],
            },
          ],
        },
      });
      const eta = translateCarrierTracking(bytes(body), { carrier: 'ups', receivedAt }).messages.find(
        (message) => message.kind === 'shipment.eta',
      );
      expect(eta?.payload['estimatedAt']).toBe('2024-01-18T23:59:59-07:00');
    });

    it('when UPS answers with an error body, then it is one invalid_message', () => {
      const body = JSON.stringify({
        response: { errors: [{ code: '151018', message: 'Invalid tracking number' }] },
      });
      expect(translateCarrierTracking(bytes(body), { carrier: 'ups', receivedAt })).toStrictEqual({
        messages: [],
        rejected: [
          {
            reason: 'invalid_message',
            place: 'trackResponse',
            code: '151018',
            explanation: 'UPS returned an error: Invalid tracking number',
          },
        ],
        warnings: [],
      });
    });
  });

  describe('FedEx Track API', () => {
    it('when a response has a signed delivery, a delivery exception, an estimate and a not-found number, then each is translated or rejected at its place', () => {
      const deliveredRefs = {
        trackingNumbers: ['794843185271'],
        billOfLading: 'BOL-FX-1',
        purchaseOrders: ['PO-55501'],
      };
      const exceptionRefs = { trackingNumbers: ['794843185282'] };
      const base = 'output.completeTrackResults';
      const deliveredId = id('fedex', '794843185271', 'DL/DL', '2024-01-16T10:12:00-06:00', 'AUSTIN, TX, US');
      const exceptionId = id(
        'fedex',
        '794843185282',
        'DE/DE/08',
        '2024-01-17T14:05:00-08:00',
        'SEATTLE, WA, US',
      );
      expect(
        translateCarrierTracking(fixture('fedex-track.json'), { carrier: 'fedex', receivedAt }),
      ).toStrictEqual({
        messages: [
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: deliveredId,
              occurredAt: '2024-01-16T10:12:00-06:00',
              source: 'carrier:FEDEX',
              milestone: 'delivered',
              location: 'AUSTIN, TX, US',
            },
            references: deliveredRefs,
            place: `${base}[0].trackResults[0].scanEvents[0]`,
          },
          {
            kind: 'shipment.pod',
            payload: {
              messageId: `${deliveredId}:pod`,
              occurredAt: '2024-01-16T10:12:00-06:00',
              source: 'carrier:FEDEX',
              podId: `${deliveredId}:pod`,
              signedBy: 'M.GARCIA',
              signatureCaptured: true,
            },
            references: deliveredRefs,
            place: `${base}[0].trackResults[0].scanEvents[0]`,
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id('fedex', '794843185271', 'OD/IT', '2024-01-16T07:30:00-06:00', 'AUSTIN, TX, US'),
              occurredAt: '2024-01-16T07:30:00-06:00',
              source: 'carrier:FEDEX',
              milestone: 'out_for_delivery',
              location: 'AUSTIN, TX, US',
            },
            references: deliveredRefs,
            place: `${base}[0].trackResults[0].scanEvents[1]`,
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id('fedex', '794843185271', 'PU/PU', '2024-01-15T16:45:00-05:00', 'NEWARK, NJ, US'),
              occurredAt: '2024-01-15T16:45:00-05:00',
              source: 'carrier:FEDEX',
              milestone: 'dispatched',
              location: 'NEWARK, NJ, US',
            },
            references: deliveredRefs,
            place: `${base}[0].trackResults[0].scanEvents[2]`,
          },
          {
            kind: 'shipment.exception',
            payload: {
              messageId: exceptionId,
              occurredAt: '2024-01-17T14:05:00-08:00',
              source: 'carrier:FEDEX',
              exceptionId,
              code: 'delay',
              severity: 'low',
              description: 'Delivery exception, 08 Customer not available or business closed',
            },
            references: exceptionRefs,
            place: `${base}[1].trackResults[0].scanEvents[0]`,
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id('fedex', '794843185282', 'AR/IT', '2024-01-16T22:40:00', 'KENT, WA, US'),
              occurredAt: '2024-01-16T22:40:00-08:00',
              source: 'carrier:FEDEX',
              timeZoneGuessed: true,
              milestone: 'in_transit',
              location: 'KENT, WA, US',
            },
            references: exceptionRefs,
            place: `${base}[1].trackResults[0].scanEvents[1]`,
          },
          {
            kind: 'shipment.eta',
            payload: {
              messageId: id('fedex', '794843185282', 'eta:delivery', '2024-01-19T00:00:00'),
              occurredAt: '2024-01-17T14:05:00-08:00',
              source: 'carrier:FEDEX',
              timeZoneGuessed: true,
              estimate: 'delivery',
              estimatedAt: '2024-01-19T00:00:00-08:00',
            },
            references: exceptionRefs,
            place: `${base}[1].trackResults[0].dateAndTimes[0]`,
          },
        ],
        rejected: [
          {
            reason: 'invalid_message',
            place: `${base}[2].trackResults[0]`,
            code: 'TRACKING.TRACKINGNUMBER.NOTFOUND',
            explanation:
              'FedEx returned an error: Tracking number cannot be found. Please correct the tracking number and try again.',
          },
        ],
        warnings: [
          `${base}[0].trackResults[0].scanEvents[3]: FEDEX status OC/IN is informational; no message`,
        ],
      });
    });
  });

  describe('DHL Shipment Tracking – Unified', () => {
    it('when a response has a signed delivery, a failure, zone-less local times and an unknown status code, then they are translated with guessed zones', () => {
      const deliveredRefs = { trackingNumbers: ['1234567890'], purchaseOrders: ['PO-7781'] };
      const failedRefs = { trackingNumbers: ['9876543210'] };
      const deliveredId = id(
        'dhl',
        '1234567890',
        'delivered/delivered',
        '2024-01-16T11:02:00',
        'AMSTERDAM - NETHERLANDS, NL',
      );
      const failureId = id(
        'dhl',
        '9876543210',
        'failure/',
        '2024-01-17T09:15:00',
        'CINCINNATI HUB, OH - USA, US',
      );
      expect(
        translateCarrierTracking(fixture('dhl-unified.json'), { carrier: 'dhl', receivedAt }),
      ).toStrictEqual({
        messages: [
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: deliveredId,
              occurredAt: '2024-01-16T11:02:00+01:00',
              source: 'carrier:DHL',
              timeZoneGuessed: true,
              milestone: 'delivered',
              location: 'AMSTERDAM - NETHERLANDS, NL',
            },
            references: deliveredRefs,
            place: 'shipments[0].events[0]',
          },
          {
            kind: 'shipment.pod',
            payload: {
              messageId: `${deliveredId}:pod`,
              occurredAt: '2024-01-16T11:02:00+01:00',
              source: 'carrier:DHL',
              timeZoneGuessed: true,
              podId: `${deliveredId}:pod`,
              signedBy: 'Anna de Vries',
              signatureCaptured: true,
              documentRef: 'https://example.invalid/pod/doc/1234567890',
            },
            references: deliveredRefs,
            place: 'shipments[0].events[0]',
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id(
                'dhl',
                '1234567890',
                'transit/',
                '2024-01-16T07:45:00',
                'AMSTERDAM - NETHERLANDS, NL',
              ),
              occurredAt: '2024-01-16T07:45:00+01:00',
              source: 'carrier:DHL',
              timeZoneGuessed: true,
              milestone: 'out_for_delivery',
              location: 'AMSTERDAM - NETHERLANDS, NL',
            },
            references: deliveredRefs,
            place: 'shipments[0].events[1]',
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id(
                'dhl',
                '1234567890',
                'transit/',
                '2024-01-15T18:20:00+01:00',
                'LEIPZIG - GERMANY, DE',
              ),
              occurredAt: '2024-01-15T18:20:00+01:00',
              source: 'carrier:DHL',
              milestone: 'dispatched',
              location: 'LEIPZIG - GERMANY, DE',
            },
            references: deliveredRefs,
            place: 'shipments[0].events[2]',
          },
          {
            kind: 'shipment.exception',
            payload: {
              messageId: failureId,
              occurredAt: '2024-01-17T09:15:00Z',
              source: 'carrier:DHL',
              timeZoneGuessed: true,
              exceptionId: failureId,
              code: 'customs_hold',
              severity: 'medium',
              description: 'Clearance delay - import',
            },
            references: failedRefs,
            place: 'shipments[1].events[0]',
          },
          {
            kind: 'shipment.milestone',
            payload: {
              messageId: id(
                'dhl',
                '9876543210',
                'transit/',
                '2024-01-16T20:00:00Z',
                'EAST MIDLANDS - UK, GB',
              ),
              occurredAt: '2024-01-16T20:00:00Z',
              source: 'carrier:DHL',
              milestone: 'in_transit',
              location: 'EAST MIDLANDS - UK, GB',
            },
            references: failedRefs,
            place: 'shipments[1].events[1]',
          },
          {
            kind: 'shipment.eta',
            payload: {
              messageId: id('dhl', '9876543210', 'eta:delivery', '2024-01-19T18:00:00'),
              occurredAt: '2024-01-17T09:15:00Z',
              source: 'carrier:DHL',
              timeZoneGuessed: true,
              estimate: 'delivery',
              estimatedAt: '2024-01-19T18:00:00Z',
            },
            references: failedRefs,
            place: 'shipments[1].estimatedTimeOfDelivery',
          },
        ],
        rejected: [
          {
            reason: 'unknown_code',
            place: 'shipments[1].events[3]',
            code: 'statusCode=on-hold',
            explanation: 'DHL status statusCode=on-hold ("Held at customs") is not in Waybill\'s DHL table',
          },
        ],
        warnings: ['shipments[1].events[2]: DHL status pre-transit/ is informational; no message'],
      });
    });
  });

  describe('input and carrier checks', () => {
    it('when the carrier token is unknown, then the input is rejected with unknown_code', () => {
      expect(translateCarrierTracking(bytes('{}'), { carrier: 'usps', receivedAt })).toStrictEqual({
        messages: [],
        rejected: [
          {
            reason: 'unknown_code',
            place: 'carrier=usps',
            code: 'carrier=usps',
            explanation: 'no translator for carrier "usps" (known: ups, fedex, dhl)',
          },
        ],
        warnings: [],
      });
    });

    it('when there is no carrier token, then the input is an invalid_message', () => {
      expect(translateCarrierTracking(bytes('{}'), { receivedAt }).rejected).toStrictEqual([
        {
          reason: 'invalid_message',
          place: 'carrier',
          explanation: 'no carrier token: carrier tracking JSON arrives on waybill.ingest.carrier.<carrier>',
        },
      ]);
    });

    it('when the body is not JSON, then it is a single invalid_message', () => {
      const result = translateCarrierTracking(bytes('<html>502</html>'), { carrier: 'dhl', receivedAt });
      expect(result.messages).toStrictEqual([]);
      expect(result.rejected).toHaveLength(1);
      expect(result.rejected[0]).toMatchObject({ reason: 'invalid_message', place: 'input' });
      expect(result.rejected[0]?.explanation).toMatch(/^not JSON: /);
    });

    it('when a DHL event has an unparseable timestamp, then that event is rejected and the rest goes through', () => {
      const body = {
        shipments: [
          {
            id: '111',
            events: [
              { timestamp: 'yesterday', statusCode: 'transit', description: 'Processed' },
              { timestamp: '2024-01-16T10:00:00+01:00', statusCode: 'transit', description: 'Processed' },
            ],
          },
        ],
      };
      const result = translateCarrierTracking(bytes(JSON.stringify(body)), { carrier: 'dhl', receivedAt });
      expect(result.rejected).toStrictEqual([
        {
          reason: 'invalid_message',
          place: 'shipments[0].events[0]',
          code: 'time=yesterday',
          explanation: 'event time "yesterday" is missing or not a valid date/time',
        },
      ]);
      expect(result.messages.map((m) => m.place)).toStrictEqual(['shipments[0].events[1]']);
    });

    it('when an estimate comes with no scan, then receivedAt dates it and is part of its id', () => {
      const body = {
        shipments: [{ id: '222', estimatedTimeOfDelivery: '2024-01-22T12:00:00+01:00', events: [] }],
      };
      const result = translateCarrierTracking(bytes(JSON.stringify(body)), { carrier: 'dhl', receivedAt });
      expect(result.messages.map((m) => m.payload)).toStrictEqual([
        {
          messageId: id('dhl', '222', 'eta:delivery', '2024-01-22T12:00:00+01:00', '2024-01-20T00:00:00Z'),
          occurredAt: '2024-01-20T00:00:00Z',
          source: 'carrier:DHL',
          estimate: 'delivery',
          estimatedAt: '2024-01-22T12:00:00+01:00',
        },
      ]);
      expect(result.warnings).toStrictEqual([
        'shipments[0].estimatedTimeOfDelivery: no scan to date the estimate; receivedAt is used',
      ]);
    });
  });
});
