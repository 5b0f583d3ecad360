import { joinText, ReferencesBuilder, type TranslationBuilder } from '../common/canonical';
import { asArray, asRecord, asText, jsonPlace, type JsonRecord } from '../common/json-reader';
import { parseIsoTimestamp, type ResolvedTime } from '../common/timestamps';
import {
  emitEstimate,
  emitScan,
  exceptionFromText,
  INFORMATIONAL,
  latest,
  milestoneOf,
  UNKNOWN,
  type CarrierFrame,
  type ProofOfDelivery,
  type ScanLocation,
  type ScanOutcome,
} from './carrier-scan';

/**
 * DHL unified `statusCode` is coarse; within `transit` the description tells pick-up and
 * out-for-delivery apart, and within `failure` a return to the sender.
 */
function dhlOutcome(statusCode: string | undefined, text: string): ScanOutcome {
  switch (statusCode ?? '') {
    case 'pre-transit':
    case 'unknown':
      return INFORMATIONAL;
    case 'transit':
      if (/out for delivery|with (the )?delivery courier/i.test(text)) return milestoneOf('out_for_delivery');
      if (/picked up|collected/i.test(text)) return milestoneOf('dispatched');
      return milestoneOf('in_transit');
    case 'delivered':
      return milestoneOf('delivered');
    case 'failure':
      return /return(ed)? to (the )?(sender|shipper)/i.test(text)
        ? milestoneOf('returned')
        : exceptionFromText(text);
    default:
      return UNKNOWN;
  }
}

function dhlLocation(location: JsonRecord | undefined): ScanLocation | undefined {
  const address = asRecord(location?.address);
  if (address === undefined) return undefined;
  const country = asText(address.countryCode);
  const locality = asText(address.addressLocality);
  const text = joinText(locality, country);
  if (text === undefined) return undefined;
  return { text, ...(country === undefined ? {} : { country }) };
}

function dhlPod(shipment: JsonRecord): ProofOfDelivery | undefined {
  const pod = asRecord(asRecord(shipment.details)?.proofOfDelivery);
  if (pod === undefined) return undefined;
  const signed = asRecord(pod.signed);
  const fullName = [asText(signed?.givenName), asText(signed?.familyName)]
    .filter((part) => part !== undefined)
    .join(' ');
  const signedBy = asText(signed?.name) ?? asText(fullName) ?? asText(pod.signee);
  const signatureUrl = asText(pod.signatureUrl);
  const documentRef = asText(pod.documentUrl);
  if (signedBy === undefined && signatureUrl === undefined && documentRef === undefined) return undefined;
  return {
    ...(signedBy === undefined ? {} : { signedBy }),
    signatureCaptured: signatureUrl !== undefined || signed !== undefined,
    ...(documentRef === undefined ? {} : { documentRef }),
  };
}

function dhlReferences(shipment: JsonRecord, trackingNumber: string): ReferencesBuilder {
  const builder = new ReferencesBuilder().tracking(trackingNumber);
  for (const value of asArray(asRecord(shipment.details)?.references)) {
    const reference = asRecord(value) ?? {};
    const number = asText(reference.number);
    switch (asText(reference.type) ?? '') {
      case 'customer-reference':
      case 'customer-confirmation-number':
        builder.purchaseOrder(number);
        break;
      case 'housebill':
        builder.bol(number);
        break;
      case 'local-tracking-number':
      case 'ecommerce-number':
        builder.tracking(number);
        break;
      default:
        break;
    }
  }
  return builder;
}

function translateShipment(frame: CarrierFrame, shipment: JsonRecord, place: string, receivedAt: Date): void {
  const trackingNumber = asText(shipment.id);
  if (trackingNumber === undefined) {
    frame.out.reject({
      reason: 'invalid_message',
      place,
      code: 'id',
      explanation: 'shipment has no id (tracking number)',
    });
    return;
  }
  const references = dhlReferences(shipment, trackingNumber).build() ?? { trackingNumbers: [trackingNumber] };
  let pod = dhlPod(shipment);
  let latestScan: ResolvedTime | undefined;
  const scans = asArray(shipment.events).map((e, i) => ({
    event: asRecord(e) ?? {},
    place: jsonPlace(place, 'events', i),
  }));
  const status = asRecord(shipment.status);
  if (scans.length === 0 && status !== undefined)
    scans.push({ event: status, place: jsonPlace(place, 'status') });
  for (const { event, place: eventPlace } of scans) {
    const statusCode = asText(event.statusCode);
    const description = joinText(asText(event.status), asText(event.description), asText(event.remark));
    const outcome = dhlOutcome(statusCode, description ?? '');
    const rawTime = asText(event.timestamp) ?? '';
    const location = dhlLocation(asRecord(event.location));
    const resolved = emitScan(
      frame,
      {
        trackingNumber,
        code: `${statusCode ?? ''}/${asText(event.status) ?? ''}`,
        rejectCode: `statusCode=${statusCode ?? ''}`,
        rawTime,
        time: parseIsoTimestamp(rawTime),
        ...(location === undefined ? {} : { location }),
        ...(description === undefined ? {} : { description }),
        outcome,
        place: eventPlace,
      },
      references,
      pod,
    );
    if (outcome.kind === 'milestone' && outcome.milestone === 'delivered' && resolved !== undefined)
      pod = undefined;
    latestScan = latest(latestScan, resolved);
  }
  const rawEstimate =
    asText(shipment.estimatedTimeOfDelivery) ??
    asText(asRecord(shipment.estimatedDeliveryTimeFrame)?.estimatedThrough);
  if (rawEstimate !== undefined && !scans.some(({ event }) => asText(event.statusCode) === 'delivered')) {
    emitEstimate(
      frame,
      {
        trackingNumber,
        estimate: 'delivery',
        rawTime: rawEstimate,
        time: parseIsoTimestamp(rawEstimate),
        zonePlace: dhlLocation(asRecord(shipment.destination)) ?? {},
        place: jsonPlace(place, 'estimatedTimeOfDelivery'),
      },
      references,
      latestScan,
      receivedAt,
    );
  }
}

/** DHL Shipment Tracking – Unified: `shipments[].events[]`. */
export function translateDhl(json: unknown, out: TranslationBuilder, receivedAt: Date): void {
  const frame: CarrierFrame = { name: 'DHL', prefix: 'dhl', out };
  const root = asRecord(json);
  if (!Array.isArray(root?.shipments)) {
    const detail = asText(root?.detail) ?? asText(root?.title);
    out.reject({
      reason: 'invalid_message',
      place: 'shipments',
      ...(root?.status === undefined ? {} : { code: `status=${asText(root.status) ?? ''}` }),
      explanation:
        detail === undefined
          ? 'not a DHL tracking response: no shipments[]'
          : `DHL returned an error: ${detail}`,
    });
    return;
  }
  root.shipments.forEach((value, index) =>
    translateShipment(frame, asRecord(value) ?? {}, `shipments[${index}]`, receivedAt),
  );
}
