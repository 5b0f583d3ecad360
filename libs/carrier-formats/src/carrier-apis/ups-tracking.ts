import { joinText, type TranslationBuilder } from '../common/canonical';
import { asArray, asRecord, asText, jsonPlace, type JsonRecord } from '../common/json-reader';
import { isValidWallClock, parseOffset, type ResolvedTime, type SourceTime } from '../common/timestamps';
import type { CarrierReferences } from '../translation';
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

/** UPS activity `status.code` values that mean "out for delivery" under type `I`. */
const OUT_FOR_DELIVERY_CODES = new Set(['OT', 'OF']);

/** UPS Track API v1 `activity[].status.type`. */
function upsOutcome(
  type: string | undefined,
  code: string | undefined,
  description: string | undefined,
): ScanOutcome {
  switch (type ?? '') {
    case 'D':
      return milestoneOf('delivered');
    case 'P':
      return milestoneOf('dispatched');
    case 'O':
      return milestoneOf('out_for_delivery');
    case 'I':
      return (code !== undefined && OUT_FOR_DELIVERY_CODES.has(code)) ||
        /out for delivery/i.test(description ?? '')
        ? milestoneOf('out_for_delivery')
        : milestoneOf('in_transit');
    case 'X':
      return exceptionFromText(description);
    case 'RS':
      return milestoneOf('returned');
    case 'MV':
      return milestoneOf('cancelled');
    case 'DD':
      return milestoneOf('arrived');
    case 'M':
    case 'DO':
    case 'W':
    case 'NA':
      return INFORMATIONAL;
    default:
      return UNKNOWN;
  }
}

/** `20240116` + `143500` (or `1435`), with `gmtOffset` (`-05:00`) when UPS sends it. */
function upsTime(
  date: string | undefined,
  time: string | undefined,
  gmtOffset: string | undefined,
): SourceTime | undefined {
  if (date === undefined || !/^\d{8}$/.test(date)) return undefined;
  const hms = (time ?? '000000').padEnd(6, '0');
  if (!/^\d{6}$/.test(hms)) return undefined;
  const wall = {
    year: Number(date.slice(0, 4)),
    month: Number(date.slice(4, 6)),
    day: Number(date.slice(6, 8)),
    hour: Number(hms.slice(0, 2)),
    minute: Number(hms.slice(2, 4)),
    second: Number(hms.slice(4, 6)),
  };
  if (!isValidWallClock(wall)) return undefined;
  const offsetMinutes = gmtOffset === undefined ? undefined : parseOffset(gmtOffset);
  return offsetMinutes === undefined ? { wall } : { wall, offsetMinutes };
}

function upsAddress(address: JsonRecord | undefined): ScanLocation | undefined {
  if (address === undefined) return undefined;
  const country = asText(address.countryCode) ?? asText(address.country);
  const region = asText(address.stateProvince);
  const text = joinText(asText(address.city), region, country);
  if (text === undefined) return undefined;
  return { text, ...(country === undefined ? {} : { country }), ...(region === undefined ? {} : { region }) };
}

function upsPod(pkg: JsonRecord): ProofOfDelivery | undefined {
  const info = asRecord(pkg.deliveryInformation);
  if (info === undefined) return undefined;
  const signedBy = asText(info.receivedBy);
  const signatureCaptured = asText(asRecord(info.signature)?.image) !== undefined;
  if (signedBy === undefined && !signatureCaptured) return undefined;
  return { ...(signedBy === undefined ? {} : { signedBy }), signatureCaptured };
}

function translatePackage(
  frame: CarrierFrame,
  pkg: JsonRecord,
  inquiryNumber: string | undefined,
  place: string,
  receivedAt: Date,
): void {
  const trackingNumber = asText(pkg.trackingNumber) ?? inquiryNumber;
  if (trackingNumber === undefined) {
    frame.out.reject({
      reason: 'invalid_message',
      place,
      code: 'trackingNumber',
      explanation: 'package has no tracking number',
    });
    return;
  }
  const references: CarrierReferences = { trackingNumbers: [trackingNumber] };
  let pod = upsPod(pkg);
  let latestScan: ResolvedTime | undefined;
  let lastLocation: ScanLocation | undefined;
  asArray(pkg.activity).forEach((value, index) => {
    const activity = asRecord(value) ?? {};
    const status = asRecord(activity.status) ?? {};
    const type = asText(status.type);
    const code = asText(status.code);
    const description = asText(status.description);
    const date = asText(activity.date);
    const time = asText(activity.time);
    const location = upsAddress(asRecord(asRecord(activity.location)?.address));
    lastLocation ??= location;
    const outcome = upsOutcome(type, code, description);
    const resolved = emitScan(
      frame,
      {
        trackingNumber,
        code: `${type ?? ''}/${code ?? ''}`,
        rejectCode: `status.type=${type ?? ''}`,
        rawTime: `${date ?? ''}T${time ?? ''}${asText(activity.gmtOffset) ?? ''}`,
        time: upsTime(date, time, asText(activity.gmtOffset)),
        ...(location === undefined ? {} : { location }),
        ...(description === undefined ? {} : { description }),
        outcome,
        place: jsonPlace(place, 'activity', index),
      },
      references,
      pod,
    );
    if (outcome.kind === 'milestone' && outcome.milestone === 'delivered' && resolved !== undefined)
      pod = undefined;
    latestScan = latest(latestScan, resolved);
  });
  const destination = asArray(pkg.packageAddress)
    .map(asRecord)
    .find((address) => /^(DELIVERY|DESTINATION|SHIP_TO)$/i.test(asText(address?.type) ?? ''));
  const zonePlace = upsAddress(asRecord(destination?.address)) ?? lastLocation ?? {};
  const delivered = asArray(pkg.deliveryDate).some((d) => asText(asRecord(d)?.type) === 'DEL');
  asArray(pkg.deliveryDate).forEach((value, index) => {
    const entry = asRecord(value);
    const type = asText(entry?.type);
    if (delivered || (type !== 'SDD' && type !== 'RDD')) return;
    const date = asText(entry?.date);
    const endTime = asText(asRecord(pkg.deliveryTime)?.endTime) ?? '235959';
    emitEstimate(
      frame,
      {
        trackingNumber,
        estimate: 'delivery',
        rawTime: `${type}:${date ?? ''}T${endTime}`,
        time: upsTime(date, endTime, undefined),
        zonePlace,
        place: jsonPlace(place, 'deliveryDate', index),
      },
      references,
      latestScan,
      receivedAt,
    );
  });
}

/** UPS Track API v1: `trackResponse.shipment[].package[].activity[]`. */
export function translateUps(json: unknown, out: TranslationBuilder, receivedAt: Date): void {
  const frame: CarrierFrame = { name: 'UPS', prefix: 'ups', out };
  const root = asRecord(json);
  const shipments = asRecord(root?.trackResponse)?.shipment;
  if (!Array.isArray(shipments)) {
    const error = asRecord(asArray(asRecord(root?.response)?.errors)[0]);
    out.reject({
      reason: 'invalid_message',
      place: 'trackResponse',
      ...(error === undefined ? {} : { code: asText(error.code) ?? '' }),
      explanation:
        error === undefined
          ? 'not a UPS Track API response: no trackResponse.shipment[]'
          : `UPS returned an error: ${asText(error.message) ?? '(no message)'}`,
    });
    return;
  }
  shipments.forEach((value, s) => {
    const shipment = asRecord(value) ?? {};
    const inquiryNumber = asText(shipment.inquiryNumber);
    asArray(shipment.warnings).forEach((warning) =>
      out.warn(`trackResponse.shipment[${s}]: UPS warning ${asText(asRecord(warning)?.message) ?? ''}`),
    );
    asArray(shipment.package).forEach((pkg, p) =>
      translatePackage(
        frame,
        asRecord(pkg) ?? {},
        inquiryNumber,
        `trackResponse.shipment[${s}].package[${p}]`,
        receivedAt,
      ),
    );
  });
}
