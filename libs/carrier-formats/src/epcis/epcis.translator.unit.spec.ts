import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../common/message-id';
import { translateEpcis } from './index';

const fixtures = join(__dirname, '../../fixtures/epcis');
const context = { receivedAt: new Date('2024-01-20T00:00:00Z') };
const fixture = (name: string): Uint8Array => readFileSync(join(fixtures, name));
const bytes = (value: unknown): Uint8Array =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('translateEpcis', () => {
  it('when an EPCIS 2.0 JSON-LD document has shipping, departing, arriving with sensors, receiving and storing, then milestones and a temperature come out and storing is rejected', () => {
    const sscc = { trackingNumbers: ['040123450000001235'] };
    const destination = 'urn:epc:id:sgln:0614141.00777.0';
    expect(translateEpcis(fixture('epcis-document.jsonld'), context)).toStrictEqual({
      messages: [
        {
          kind: 'shipment.milestone',
          payload: {
            messageId:
              'ni:///sha-256;a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00?ver=CBV2.0',
            occurredAt: '2024-01-15T08:00:00.000+01:00',
            source: 'epcis:urn:epc:id:sgln:4012345.00001.0',
            milestone: 'dispatched',
            location: 'urn:epc:id:sgln:4012345.00001.0',
          },
          references: { ...sscc, billOfLading: 'BOL-E-42', purchaseOrders: ['PO-9001'] },
          place: 'epcisBody.eventList[0]',
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'urn:uuid:5b4f3c1e-3f0a-4c8e-9a51-2f6f7d1c0a01',
            occurredAt: '2024-01-15T09:30:00+01:00',
            source: 'epcis:urn:epc:id:sgln:4012345.00002.0',
            milestone: 'in_transit',
            location: 'urn:epc:id:sgln:4012345.00002.0',
          },
          references: sscc,
          place: 'epcisBody.eventList[1]',
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'urn:uuid:5b4f3c1e-3f0a-4c8e-9a51-2f6f7d1c0a02',
            occurredAt: '2024-01-16T01:45:00-05:00',
            source: `epcis:${destination}`,
            milestone: 'arrived',
            location: destination,
          },
          references: sscc,
          place: 'epcisBody.eventList[2]',
        },
        {
          kind: 'shipment.temperature',
          payload: {
            messageId: 'urn:uuid:5b4f3c1e-3f0a-4c8e-9a51-2f6f7d1c0a02:temperature',
            occurredAt: '2024-01-16T01:45:00-05:00',
            source: `epcis:${destination}`,
            minCelsius: 2,
            maxCelsius: 5,
            allowedMinCelsius: 2,
            allowedMaxCelsius: 8,
          },
          references: sscc,
          place: 'epcisBody.eventList[2].sensorElementList',
        },
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: 'urn:uuid:5b4f3c1e-3f0a-4c8e-9a51-2f6f7d1c0a03',
            occurredAt: '2024-01-16T14:10:00-05:00',
            source: `epcis:${destination}`,
            milestone: 'delivered',
            location: destination,
          },
          references: sscc,
          place: 'epcisBody.eventList[3]',
        },
      ],
      rejected: [
        {
          reason: 'unknown_code',
          place: 'epcisBody.eventList[4]',
          code: 'bizStep=storing',
          explanation:
            'bizStep storing is not one Waybill translates (shipping, departing, transporting, arriving, receiving)',
        },
      ],
      warnings: ['epcisBody.eventList[0]: bizTransaction type desadv is not used to find the shipment'],
    });
  });

  it('when a single event has no eventID and a temperature without an allowed range, then the id is a hash of its content and the temperature is parked', () => {
    const raw = fixture('epcis-single-event.json');
    const event = JSON.parse(new TextDecoder().decode(raw)) as unknown;
    const hashed = `epcis:sha256:${createHash('sha256').update(canonicalJson(event)).digest('hex')}`;
    expect(translateEpcis(raw, context)).toStrictEqual({
      messages: [
        {
          kind: 'shipment.milestone',
          payload: {
            messageId: hashed,
            occurredAt: '2024-01-17T08:15:00.250+02:00',
            source: 'epcis:urn:epc:id:sgln:4098765.00010.0',
            milestone: 'delivered',
            location: 'urn:epc:id:sgln:4098765.00010.0',
          },
          references: { trackingNumbers: ['040123450000009873'], purchaseOrders: ['PO-1234'] },
          place: 'event',
        },
      ],
      rejected: [
        {
          reason: 'invalid_message',
          place: 'event.sensorElementList',
          code: 'allowedMinCelsius/allowedMaxCelsius',
          explanation:
            'temperatures 12.5..12.5 °C were read, but the event gives no allowed range (waybill:allowedMinCelsius and waybill:allowedMaxCelsius on the event or its ilmd)',
        },
      ],
      warnings: [],
    });
  });

  it('when the same event is re-sent with its keys in another order, then the hashed messageId is the same', () => {
    const event = {
      type: 'ObjectEvent',
      eventTime: '2024-01-17T06:00:00Z',
      eventTimeZoneOffset: '+00:00',
      epcList: ['urn:epc:id:sscc:4012345.0000000987'],
      bizStep: 'shipping',
    };
    const reordered = {
      bizStep: 'shipping',
      epcList: event.epcList,
      eventTimeZoneOffset: '+00:00',
      eventTime: event.eventTime,
      type: 'ObjectEvent',
    };
    const first = translateEpcis(bytes(event), context).messages[0]?.payload.messageId;
    expect(first).toMatch(/^epcis:sha256:[0-9a-f]{64}$/);
    expect(translateEpcis(bytes(reordered), context).messages[0]?.payload.messageId).toBe(first);
  });

  it('when a sensor-only event reports in Kelvin with an allowed range in its ilmd, then a temperature message comes out alone', () => {
    const event = {
      type: 'ObjectEvent',
      eventID: 'urn:uuid:0001',
      eventTime: '2024-01-17T06:00:00Z',
      eventTimeZoneOffset: '+01:00',
      epcList: ['urn:epc:id:sscc:4012345.0000000987'],
      bizStep: 'sensor_reporting',
      ilmd: { 'ext:allowedMinCelsius': -20, 'ext:allowedMaxCelsius': -15 },
      sensorElementList: [
        { sensorReport: [{ type: 'Temperature', minValue: 253.15, maxValue: 260.15, uom: 'KEL' }] },
      ],
    };
    expect(translateEpcis(bytes(event), context).messages).toStrictEqual([
      {
        kind: 'shipment.temperature',
        payload: {
          messageId: 'urn:uuid:0001:temperature',
          occurredAt: '2024-01-17T07:00:00+01:00',
          source: 'epcis',
          minCelsius: -20,
          maxCelsius: -13,
          allowedMinCelsius: -20,
          allowedMaxCelsius: -15,
        },
        references: { trackingNumbers: ['040123450000009873'] },
        place: 'event.sensorElementList',
      },
    ]);
  });

  it('when an event carries an errorDeclaration, then it is rejected as invalid_message', () => {
    const event = {
      type: 'ObjectEvent',
      eventTime: '2024-01-17T06:00:00Z',
      eventTimeZoneOffset: '+00:00',
      epcList: ['urn:epc:id:sscc:4012345.0000000987'],
      bizStep: 'shipping',
      errorDeclaration: { declarationTime: '2024-01-18T00:00:00Z', reason: 'incorrect_data' },
    };
    expect(translateEpcis(bytes(event), context)).toStrictEqual({
      messages: [],
      rejected: [
        {
          reason: 'invalid_message',
          place: 'event',
          code: 'errorDeclaration',
          explanation:
            'event carries an errorDeclaration (it retracts an earlier event); corrections are not translated',
        },
      ],
      warnings: [],
    });
  });

  it('when the input is not JSON or not EPCIS, then it is a single invalid_message', () => {
    const notJson = translateEpcis(bytes('<epcis/>'), context);
    expect(notJson.messages).toStrictEqual([]);
    expect(notJson.rejected).toHaveLength(1);
    expect(notJson.rejected[0]).toMatchObject({ reason: 'invalid_message', place: 'input' });
    expect(translateEpcis(bytes({ type: 'Invoice' }), context)).toStrictEqual({
      messages: [],
      rejected: [
        {
          reason: 'invalid_message',
          place: 'type',
          code: 'type=Invoice',
          explanation: 'not an EPCIS document or event: type Invoice',
        },
      ],
      warnings: [],
    });
  });
});
