import {
  guessedFlag,
  invalidInput,
  ReferencesBuilder,
  translated,
  TranslationBuilder,
} from '../common/canonical';
import {
  asArray,
  asNumber,
  asRecord,
  asText,
  jsonPlace,
  parseJsonBytes,
  type JsonRecord,
} from '../common/json-reader';
import { boundedMessageId, canonicalJson, sha256Hex } from '../common/message-id';
import {
  formatRfc3339,
  parseIsoTimestamp,
  parseOffset,
  resolveSourceTime,
  wallClockAtOffset,
  type ResolvedTime,
} from '../common/timestamps';
import type { CarrierReferences, Translation, TranslationContext } from '../translation';
import { BIZ_STEP_MILESTONES, cbvTerm, epcReference, transactionNumber } from './epcis-vocabulary';

const EVENT_TYPES = new Set([
  'ObjectEvent',
  'AggregationEvent',
  'TransactionEvent',
  'TransformationEvent',
  'AssociationEvent',
]);

/** eventTime rendered at eventTimeZoneOffset (EPCIS requires both; either may be missing in practice). */
function eventTime(event: JsonRecord): ResolvedTime | undefined {
  const raw = asText(event.eventTime);
  const time = raw === undefined ? undefined : parseIsoTimestamp(raw);
  if (time === undefined) return undefined;
  const zoneText = asText(event.eventTimeZoneOffset);
  const zone = zoneText === undefined ? undefined : parseOffset(zoneText);
  if (zone === undefined) return resolveSourceTime(time);
  return { occurredAt: formatRfc3339(wallClockAtOffset(time, zone), zone), timeZoneGuessed: false };
}

function idOf(value: unknown): string | undefined {
  return asText(asRecord(value)?.id) ?? asText(value);
}

function referencesOf(
  event: JsonRecord,
  out: TranslationBuilder,
  place: string,
): CarrierReferences | undefined {
  const builder = new ReferencesBuilder();
  for (const value of asArray(event.bizTransactionList)) {
    const transaction = asRecord(value);
    const type = asText(transaction?.type);
    const number = asText(transaction?.bizTransaction);
    if (number === undefined) continue;
    switch (type === undefined ? '' : cbvTerm(type, 'BTT')) {
      case 'bol':
        builder.bol(transactionNumber(number));
        break;
      case 'po':
      case 'poc':
        builder.purchaseOrder(transactionNumber(number));
        break;
      default:
        out.warn(`${place}: bizTransaction type ${type ?? '(none)'} is not used to find the shipment`);
    }
  }
  const epcs = [
    ...asArray(event.epcList),
    ...asArray(event.childEPCs),
    ...asArray(event.inputEPCList),
    ...asArray(event.outputEPCList),
    event.parentID,
  ];
  epcs.forEach((epc) => {
    const text = asText(epc);
    if (text !== undefined) builder.tracking(epcReference(text));
  });
  return builder.build();
}

const ALLOWED_KEYS = { min: 'allowedMinCelsius', max: 'allowedMaxCelsius' } as const;

/** A namespaced extension field (`waybill:allowedMinCelsius`, `ext:allowedMinCelsius` …) on the event or its ILMD. */
function allowedLimit(event: JsonRecord, key: string): number | undefined {
  for (const holder of [event, asRecord(event.ilmd), asRecord(event.extension)]) {
    if (holder === undefined) continue;
    const entry = Object.entries(holder).find(([name]) => name === key || name.endsWith(`:${key}`));
    const value = entry === undefined ? undefined : asNumber(entry[1]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function toCelsius(value: number, uom: string): number | undefined {
  switch (uom) {
    case 'CEL':
      return value;
    case 'FAH':
      return Math.round((((value - 32) * 5) / 9) * 100) / 100;
    case 'KEL':
      return Math.round((value - 273.15) * 100) / 100;
    default:
      return undefined;
  }
}

interface Readings {
  readonly values: number[];
  readonly problems: { readonly place: string; readonly explanation: string }[];
}

function temperatureReadings(event: JsonRecord, place: string): Readings | undefined {
  const values: number[] = [];
  const problems: Readings['problems'] = [];
  let found = false;
  asArray(event.sensorElementList).forEach((element, e) => {
    asArray(asRecord(element)?.sensorReport).forEach((value, r) => {
      const report = asRecord(value) ?? {};
      const type = asText(report.type);
      if (type === undefined || !/(^|[:/])Temperature$/.test(type)) return;
      found = true;
      const uom = asText(report.uom);
      const numbers = [report.value, report.minValue, report.maxValue, report.meanValue]
        .map(asNumber)
        .filter((n): n is number => n !== undefined);
      const reportPlace = jsonPlace(place, 'sensorElementList', e, 'sensorReport', r);
      if (uom === undefined || numbers.length === 0) {
        problems.push({
          place: reportPlace,
          explanation: `temperature report has ${uom === undefined ? 'no uom' : 'no value'}`,
        });
        return;
      }
      const celsius = numbers.map((n) => toCelsius(n, uom));
      if (celsius.some((c) => c === undefined)) {
        problems.push({
          place: reportPlace,
          explanation: `temperature report has unit ${uom} (CEL, FAH, KEL are read)`,
        });
        return;
      }
      values.push(...celsius.filter((c): c is number => c !== undefined));
    });
  });
  return found ? { values, problems } : undefined;
}

function translateEvent(event: JsonRecord, place: string, out: TranslationBuilder): void {
  const type = asText(event.type);
  if (type === undefined || !EVENT_TYPES.has(type)) {
    out.reject({
      reason: 'invalid_message',
      place,
      code: `type=${type ?? ''}`,
      explanation: `not an EPCIS event type: ${type ?? '(none)'}`,
    });
    return;
  }
  if (event.errorDeclaration !== undefined) {
    out.reject({
      reason: 'invalid_message',
      place,
      code: 'errorDeclaration',
      explanation:
        'event carries an errorDeclaration (it retracts an earlier event); corrections are not translated',
    });
    return;
  }
  const time = eventTime(event);
  if (time === undefined) {
    out.reject({
      reason: 'invalid_message',
      place,
      code: `eventTime=${asText(event.eventTime) ?? ''}`,
      explanation: 'eventTime is missing or not a valid timestamp',
    });
    return;
  }
  const references = referencesOf(event, out, place);
  if (references === undefined) {
    out.reject({
      reason: 'invalid_message',
      place,
      explanation: 'event names no EPC and no bol/po business transaction to find the shipment by',
    });
    return;
  }
  const location = idOf(event.bizLocation) ?? idOf(event.readPoint);
  const sourceId = idOf(event.readPoint) ?? idOf(event.bizLocation);
  const source = sourceId === undefined ? 'epcis' : `epcis:${sourceId}`;
  const eventId = asText(event.eventID) ?? `epcis:sha256:${sha256Hex(canonicalJson(event))}`;
  const base = { occurredAt: time.occurredAt, source, ...guessedFlag(time.timeZoneGuessed) };
  const readings = temperatureReadings(event, place);

  const bizStepText = asText(event.bizStep);
  const bizStep = bizStepText === undefined ? undefined : cbvTerm(bizStepText, 'BizStep');
  const milestone = bizStep === undefined ? undefined : BIZ_STEP_MILESTONES[bizStep];
  if (milestone !== undefined) {
    out.message(
      translated(
        'shipment.milestone',
        {
          messageId: boundedMessageId('epcis', eventId),
          ...base,
          milestone,
          ...(location === undefined ? {} : { location }),
        },
        references,
        place,
      ),
    );
  } else if (readings === undefined) {
    out.reject({
      reason: bizStep === undefined ? 'invalid_message' : 'unknown_code',
      place,
      code: `bizStep=${bizStepText ?? ''}`,
      explanation:
        bizStep === undefined
          ? 'event has no bizStep and no sensor report'
          : `bizStep ${bizStep} is not one Waybill translates (shipping, departing, transporting, arriving, receiving)`,
    });
    return;
  }

  if (readings === undefined) return;
  readings.problems.forEach((problem) => out.reject({ reason: 'invalid_message', ...problem }));
  if (readings.values.length === 0) return;
  const minCelsius = Math.min(...readings.values);
  const maxCelsius = Math.max(...readings.values);
  const allowedMinCelsius = allowedLimit(event, ALLOWED_KEYS.min);
  const allowedMaxCelsius = allowedLimit(event, ALLOWED_KEYS.max);
  if (allowedMinCelsius === undefined || allowedMaxCelsius === undefined) {
    out.reject({
      reason: 'invalid_message',
      place: `${place}.sensorElementList`,
      code: 'allowedMinCelsius/allowedMaxCelsius',
      explanation: `temperatures ${minCelsius}..${maxCelsius} °C were read, but the event gives no allowed range (waybill:allowedMinCelsius and waybill:allowedMaxCelsius on the event or its ilmd)`,
    });
    return;
  }
  const messageId = boundedMessageId('epcis', `${eventId}:temperature`);
  out.message(
    translated(
      'shipment.temperature',
      { messageId, ...base, minCelsius, maxCelsius, allowedMinCelsius, allowedMaxCelsius },
      references,
      `${place}.sensorElementList`,
    ),
  );
}

export function translateEpcisDocument(raw: Uint8Array, _context: TranslationContext): Translation {
  const parsed = parseJsonBytes(raw);
  if (!parsed.ok) {
    return invalidInput('input', `not JSON: ${parsed.error}`);
  }
  const root = asRecord(parsed.value);
  const type = asText(root?.type);
  if (root === undefined) {
    return invalidInput('input', 'not an EPCIS document or event: JSON is not an object');
  }
  const out = new TranslationBuilder();
  if (type === 'EPCISDocument' || type === 'EPCISQueryDocument') {
    const body = asRecord(root.epcisBody);
    const list = body?.eventList ?? asRecord(asRecord(body?.queryResults)?.resultsBody)?.eventList;
    if (!Array.isArray(list)) {
      return invalidInput('epcisBody', `${type} has no epcisBody.eventList`);
    }
    const base =
      type === 'EPCISDocument' ? 'epcisBody.eventList' : 'epcisBody.queryResults.resultsBody.eventList';
    list.forEach((event, index) => translateEvent(asRecord(event) ?? {}, jsonPlace(base, index), out));
    return out.build();
  }
  if (type !== undefined && EVENT_TYPES.has(type)) {
    translateEvent(root, 'event', out);
    return out.build();
  }
  return invalidInput(
    'type',
    `not an EPCIS document or event: type ${type ?? '(none)'}`,
    `type=${type ?? ''}`,
  );
}
