import { joinText, ReferencesBuilder, type TranslationBuilder } from '../common/canonical';
import { asArray, asRecord, asText, jsonPlace, type JsonRecord } from '../common/json-reader';
import { parseIsoTimestamp, type ResolvedTime } from '../common/timestamps';
import {
  emitEstimate,
  emitScan,
  exceptionFromText,
  exceptionOf,
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
 * FedEx `scanEvents[].eventType` (falling back on `derivedStatusCode`). DE and SE are read from
 * the exception text; codes absent here are unknown.
 */
const FEDEX_EVENTS: Readonly<Record<string, ScanOutcome | 'from-text'>> = {
  PU: milestoneOf('dispatched'),
  AA: milestoneOf('in_transit'),
  AC: milestoneOf('in_transit'),
  AF: milestoneOf('in_transit'),
  AR: milestoneOf('in_transit'),
  AX: milestoneOf('in_transit'),
  CC: milestoneOf('in_transit'),
  DP: milestoneOf('in_transit'),
  IT: milestoneOf('in_transit'),
  LO: milestoneOf('in_transit'),
  OF: milestoneOf('in_transit'),
  PF: milestoneOf('in_transit'),
  PL: milestoneOf('in_transit'),
  SF: milestoneOf('in_transit'),
  TR: milestoneOf('in_transit'),
  OD: milestoneOf('out_for_delivery'),
  DL: milestoneOf('delivered'),
  RS: milestoneOf('returned'),
  CA: milestoneOf('cancelled'),
  CD: exceptionOf('customs_hold'),
  DY: exceptionOf('delay'),
  DD: exceptionOf('delay'),
  DE: 'from-text',
  SE: 'from-text',
  OC: INFORMATIONAL,
  CP: INFORMATIONAL,
  HL: INFORMATIONAL,
  HP: INFORMATIONAL,
  RR: INFORMATIONAL,
  RM: INFORMATIONAL,
  RC: INFORMATIONAL,
};

function fedexOutcome(
  eventType: string | undefined,
  derived: string | undefined,
  text: string | undefined,
): ScanOutcome {
  const entry =
    (eventType === undefined ? undefined : FEDEX_EVENTS[eventType]) ??
    (derived === undefined ? undefined : FEDEX_EVENTS[derived]);
  if (entry === undefined) return UNKNOWN;
  return entry === 'from-text' ? exceptionFromText(text) : entry;
}

function fedexAddress(address: JsonRecord | undefined): ScanLocation | undefined {
  if (address === undefined) return undefined;
  const country = asText(address.countryCode);
  const region = asText(address.stateOrProvinceCode);
  const text = joinText(asText(address.city), region, country);
  if (text === undefined) return undefined;
  return { text, ...(country === undefined ? {} : { country }), ...(region === undefined ? {} : { region }) };
}

function fedexPod(result: JsonRecord): ProofOfDelivery | undefined {
  const details = asRecord(result.deliveryDetails) ?? {};
  const signedByName = asText(details.signedByName);
  const signedBy = signedByName ?? asText(details.receivedByName);
  const signatureImage = asArray(result.availableImages).some(
    (image) => asText(asRecord(image)?.type) === 'SIGNATURE_PROOF_OF_DELIVERY',
  );
  if (signedBy === undefined && !signatureImage) return undefined;
  return {
    ...(signedBy === undefined ? {} : { signedBy }),
    signatureCaptured: signedByName !== undefined || signatureImage,
  };
}

function fedexReferences(result: JsonRecord, trackingNumber: string): ReferencesBuilder {
  const builder = new ReferencesBuilder().tracking(trackingNumber);
  for (const value of asArray(asRecord(result.additionalTrackingInfo)?.packageIdentifiers)) {
    const identifier = asRecord(value) ?? {};
    const values = [asText(identifier.value), ...asArray(identifier.values).map(asText)];
    for (const v of values) {
      switch (asText(identifier.type) ?? '') {
        case 'BILL_OF_LADING':
          builder.bol(v);
          break;
        case 'PURCHASE_ORDER':
        case 'CUSTOMER_REFERENCE':
        case 'SHIPPER_REFERENCE':
          builder.purchaseOrder(v);
          break;
        default:
          break;
      }
    }
  }
  return builder;
}

function translateResult(
  frame: CarrierFrame,
  result: JsonRecord,
  fallbackNumber: string | undefined,
  place: string,
  receivedAt: Date,
): void {
  const error = asRecord(result.error);
  if (error !== undefined) {
    frame.out.reject({
      reason: 'invalid_message',
      place,
      code: asText(error.code) ?? 'error',
      explanation: `FedEx returned an error: ${asText(error.message) ?? '(no message)'}`,
    });
    return;
  }
  const trackingNumber = asText(asRecord(result.trackingNumberInfo)?.trackingNumber) ?? fallbackNumber;
  if (trackingNumber === undefined) {
    frame.out.reject({
      reason: 'invalid_message',
      place,
      code: 'trackingNumber',
      explanation: 'track result has no tracking number',
    });
    return;
  }
  const references = fedexReferences(result, trackingNumber).build() ?? { trackingNumbers: [trackingNumber] };
  let pod = fedexPod(result);
  let latestScan: ResolvedTime | undefined;
  asArray(result.scanEvents).forEach((value, index) => {
    const event = asRecord(value) ?? {};
    const eventType = asText(event.eventType);
    const derived = asText(event.derivedStatusCode);
    const exceptionCode = asText(event.exceptionCode);
    const exceptionText = asText(event.exceptionDescription);
    const description =
      exceptionCode !== undefined || exceptionText !== undefined
        ? joinText(
            asText(event.eventDescription),
            [exceptionCode, exceptionText].filter((p) => p !== undefined).join(' '),
          )
        : asText(event.eventDescription);
    const outcome = fedexOutcome(eventType, derived, joinText(exceptionText, asText(event.eventDescription)));
    const rawTime = asText(event.date) ?? '';
    const location = fedexAddress(asRecord(event.scanLocation));
    const resolved = emitScan(
      frame,
      {
        trackingNumber,
        code: `${eventType ?? ''}/${derived ?? ''}${exceptionCode === undefined ? '' : `/${exceptionCode}`}`,
        rejectCode: `eventType=${eventType ?? ''}`,
        rawTime,
        time: parseIsoTimestamp(rawTime),
        ...(location === undefined ? {} : { location }),
        ...(description === undefined ? {} : { description }),
        outcome,
        place: jsonPlace(place, 'scanEvents', index),
      },
      references,
      pod,
    );
    if (outcome.kind === 'milestone' && outcome.milestone === 'delivered' && resolved !== undefined)
      pod = undefined;
    latestScan = latest(latestScan, resolved);
  });
  const delivered = asArray(result.dateAndTimes).some((d) => asText(asRecord(d)?.type) === 'ACTUAL_DELIVERY');
  if (delivered) return;
  const recipient = fedexAddress(asRecord(asRecord(result.recipientInformation)?.address)) ?? {};
  const estimates = asArray(result.dateAndTimes)
    .map((value, index) => ({ entry: asRecord(value), index }))
    .filter(({ entry }) => ['ESTIMATED_DELIVERY', 'ESTIMATED_PICKUP'].includes(asText(entry?.type) ?? ''));
  for (const { entry, index } of estimates) {
    const rawTime = asText(entry?.dateTime) ?? '';
    emitEstimate(
      frame,
      {
        trackingNumber,
        estimate: asText(entry?.type) === 'ESTIMATED_PICKUP' ? 'pickup' : 'delivery',
        rawTime,
        time: parseIsoTimestamp(rawTime),
        zonePlace: recipient,
        place: jsonPlace(place, 'dateAndTimes', index),
      },
      references,
      latestScan,
      receivedAt,
    );
  }
}

/** FedEx Track API: `output.completeTrackResults[].trackResults[].scanEvents[]`. */
export function translateFedex(json: unknown, out: TranslationBuilder, receivedAt: Date): void {
  const frame: CarrierFrame = { name: 'FEDEX', prefix: 'fedex', out };
  const root = asRecord(json);
  const complete = asRecord(root?.output)?.completeTrackResults;
  if (!Array.isArray(complete)) {
    const error = asRecord(asArray(root?.errors)[0]);
    out.reject({
      reason: 'invalid_message',
      place: 'output',
      ...(error === undefined ? {} : { code: asText(error.code) ?? '' }),
      explanation:
        error === undefined
          ? 'not a FedEx Track API response: no output.completeTrackResults[]'
          : `FedEx returned an error: ${asText(error.message) ?? '(no message)'}`,
    });
    return;
  }
  complete.forEach((value, c) => {
    const entry = asRecord(value) ?? {};
    asArray(entry.trackResults).forEach((result, r) =>
      translateResult(
        frame,
        asRecord(result) ?? {},
        asText(entry.trackingNumber),
        `output.completeTrackResults[${c}].trackResults[${r}]`,
        receivedAt,
      ),
    );
  });
}
