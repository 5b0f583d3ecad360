import { guessedFlag, joinText, maxSeverity } from '../common/canonical';
import type { Rejected, TranslatedMessage, Translation } from '../translation';
import {
  X12_APPOINTMENT_STATUS_CODES,
  X12_SHIPMENT_STATUS_CODES,
  X12_STATUS_REASON_CODES,
  X12_TIME_CODES,
} from './x12-code-lists';
import {
  X12_APPOINTMENT_MAPPING,
  X12_REASON_MAPPING,
  X12_STATUS_MAPPING,
  type X12ReasonMapping,
} from './x12-mapping';
import { ReferenceCollector, x12MessageId, x12Source } from './x12-messages';
import { resolveX12Time, type X12Location } from './x12-time';
import { element, type X12Segment } from './x12-tokenizer';
import { unknownCode, unknownSegment, type X12TransactionInput } from './x12-transaction';

/** Segments of the 004010 and 005010 214 that may appear; only B10, L11, LX, AT7 and MS1 are read. */
const KNOWN_214_SEGMENTS: ReadonlySet<string> = new Set([
  'B10',
  'L11',
  'MAN',
  'Q7',
  'K1',
  'AT5',
  'AT8',
  'N1',
  'N2',
  'N3',
  'N4',
  'G61',
  'G62',
  'MS3',
  'LX',
  'AT7',
  'MS1',
  'MS2',
  'CD3',
  'NM1',
  'H3',
  'SPO',
  'SDQ',
  'OID',
  'POD',
  'PLD',
  'NTE',
]);

interface StatusRecord {
  readonly segment: X12Segment;
  /** 1-based index of the AT7 in its LX loop. */
  readonly index: number;
  location?: X12Location;
}

interface LxLoop {
  /** LX01, or `n<ordinal>` when LX01 is empty or repeated. */
  readonly key: string;
  readonly statuses: StatusRecord[];
  readonly references: ReferenceCollector;
  firstLocation?: X12Location;
}

function readLocation(ms1: X12Segment): X12Location | undefined {
  const city = element(ms1, 1);
  const region = element(ms1, 2);
  const country = element(ms1, 3);
  const location: X12Location = {
    ...(city === '' ? {} : { city }),
    ...(region === '' ? {} : { region }),
    ...(country === '' ? {} : { country }),
  };
  return Object.keys(location).length === 0 ? undefined : location;
}

/** Translates one 214 transaction set: every AT7 is a milestone, an estimate, an exception or an appointment. */
export function translate214(input: X12TransactionInput): Translation {
  const { transaction, interchange, group, receivedAt } = input;
  const messages: TranslatedMessage[] = [];
  const rejected: Rejected[] = [];
  const warnings: string[] = [];
  const header = new ReferenceCollector();
  const headerL11: X12Segment[] = [];
  let b10: X12Segment | undefined;
  const loops: LxLoop[] = [];
  const seenLx = new Set<string>();
  let current: LxLoop | undefined;
  let lastStatus: StatusRecord | undefined;

  for (const segment of transaction.segments) {
    if (!KNOWN_214_SEGMENTS.has(segment.id)) {
      rejected.push(unknownSegment(transaction.place, segment, '214'));
      continue;
    }
    switch (segment.id) {
      case 'B10':
        b10 ??= segment;
        break;
      case 'L11':
        if (current === undefined) headerL11.push(segment);
        else current.references.addQualified(element(segment, 2), element(segment, 1));
        break;
      case 'LX': {
        const lx01 = element(segment, 1);
        const key = lx01 === '' || seenLx.has(lx01) ? `n${loops.length + 1}` : lx01;
        if (key !== lx01) {
          warnings.push(
            `${transaction.place}/LX#${segment.position}: LX01 ${lx01 === '' ? 'is empty' : `${lx01} is repeated`}; keyed as ${key}`,
          );
        }
        seenLx.add(lx01);
        current = { key, statuses: [], references: new ReferenceCollector() };
        loops.push(current);
        lastStatus = undefined;
        break;
      }
      case 'AT7':
        if (current === undefined) {
          rejected.push({
            reason: 'invalid_message',
            place: `${transaction.place}/AT7#${segment.position}`,
            code: 'segment=AT7',
            explanation: 'AT7 outside an LX loop: it has no place in the status key',
          });
          break;
        }
        lastStatus = { segment, index: current.statuses.length + 1 };
        current.statuses.push(lastStatus);
        break;
      case 'MS1': {
        const location = readLocation(segment);
        if (current === undefined || location === undefined) break;
        current.firstLocation ??= location;
        if (lastStatus !== undefined) lastStatus.location ??= location;
        break;
      }
      default:
        break;
    }
  }

  const scac = b10 === undefined ? '' : element(b10, 3);
  const source = x12Source(scac, interchange.senderId);
  if (b10 === undefined) {
    warnings.push(`${transaction.place}: 214 has no B10 segment`);
  } else {
    header.proNumber(element(b10, 1));
    if (element(b10, 5) !== '') header.addQualified(element(b10, 5), element(b10, 6));
  }
  for (const l11 of headerL11) header.addQualified(element(l11, 2), element(l11, 1));
  if (b10 !== undefined) header.bol(element(b10, 2));

  for (const loop of loops) {
    const references = header.copy();
    const loopReferences = loop.references.build();
    if (loopReferences !== undefined) references.merge(loopReferences);
    const refs = references.build();
    for (const status of loop.statuses) {
      const place = `${transaction.place}/LX=${loop.key}/AT7[${status.index}]`;
      if (refs === undefined) {
        rejected.push({
          reason: 'invalid_message',
          place,
          explanation: 'Nothing names the shipment: no B10-01, B10-02 or usable L11 reference',
        });
        continue;
      }
      const keyParts = [
        interchange.senderId,
        interchange.control,
        group.control,
        transaction.control,
        loop.key,
        String(status.index),
      ];
      const result = translateStatus({
        segment: status.segment,
        location: status.location ?? loop.firstLocation,
        place,
        keyParts,
        source,
        scac,
        receivedAt,
      });
      if ('rejected' in result) {
        rejected.push(result.rejected);
        continue;
      }
      warnings.push(...result.warnings);
      for (const payload of result.payloads) {
        messages.push({ kind: payload.kind, payload: payload.payload, references: refs, place });
      }
    }
  }
  return { messages, rejected, warnings };
}

interface StatusInput {
  readonly segment: X12Segment;
  readonly location: X12Location | undefined;
  readonly place: string;
  readonly keyParts: readonly string[];
  readonly source: string;
  readonly scac: string;
  readonly receivedAt: Date;
}

interface StatusPayload {
  readonly kind: TranslatedMessage['kind'];
  readonly payload: Readonly<Record<string, unknown>>;
}

type StatusResult =
  | { readonly payloads: readonly StatusPayload[]; readonly warnings: readonly string[] }
  | { readonly rejected: Rejected };

function translateStatus(input: StatusInput): StatusResult {
  const { segment, place } = input;
  const status = element(segment, 1);
  const reason = element(segment, 2);
  const appointment = element(segment, 3);
  const appointmentReason = element(segment, 4);
  if ((status === '') === (appointment === '')) {
    return {
      rejected: {
        reason: 'invalid_message',
        place,
        explanation:
          status === ''
            ? 'AT7 has neither a status (AT7-01) nor an appointment (AT7-03)'
            : 'AT7 has both a status (AT7-01) and an appointment (AT7-03); only one is allowed',
      },
    };
  }
  return status === ''
    ? translateAppointment(input, appointment, appointmentReason)
    : translateShipmentStatus(input, status, reason);
}

type TimeFields =
  | {
      readonly ok: true;
      readonly at: string;
      readonly fields: Readonly<Record<string, unknown>>;
      readonly warnings: string[];
    }
  | { readonly ok: false; readonly rejected: Rejected };

/** AT7-05/06/07 as `occurredAt`-style fields; without a date, `fallback` decides. */
function statusTime(input: StatusInput, fallback: 'receivedAt' | 'required'): TimeFields {
  const { segment, place } = input;
  const date = element(segment, 5);
  const time = element(segment, 6);
  const code = element(segment, 7);
  if (date === '') {
    if (fallback === 'required') {
      return {
        ok: false,
        rejected: {
          reason: 'invalid_message',
          place,
          code: 'AT7-05',
          explanation: 'AT7-05 date is required for an estimate or an appointment',
        },
      };
    }
    return {
      ok: true,
      at: input.receivedAt.toISOString(),
      fields: {},
      warnings: [`${place}: AT7-05 has no date; occurredAt is the time the file was received`],
    };
  }
  const resolved = resolveX12Time(date, time, code, input.location);
  if (!resolved.ok) {
    switch (resolved.element) {
      case 'date':
        return {
          ok: false,
          rejected: {
            reason: 'invalid_message',
            place,
            code: `AT7-05=${date}`,
            explanation: `AT7-05 ${date} is not a CCYYMMDD or YYMMDD date`,
          },
        };
      case 'time':
        return {
          ok: false,
          rejected: {
            reason: 'invalid_message',
            place,
            code: `AT7-06=${time}`,
            explanation: `AT7-06 ${time} is not an HHMM[SS[D[D]]] time`,
          },
        };
      case 'timeCode':
        return { ok: false, rejected: unknownCode(place, 'AT7-07', code, X12_TIME_CODES, 'time code') };
    }
  }
  return {
    ok: true,
    at: resolved.at,
    fields: {
      ...guessedFlag(resolved.timeZoneGuessed),
      ...(resolved.sourceTimeCode === undefined ? {} : { sourceTimeCode: resolved.sourceTimeCode }),
    },
    warnings: resolved.dateOnly ? [`${place}: AT7-05 has no AT7-06 time; read as 00:00`] : [],
  };
}

function translateShipmentStatus(input: StatusInput, status: string, reason: string): StatusResult {
  const { place, keyParts, source, scac } = input;
  const mapping = X12_STATUS_MAPPING[status];
  if (mapping === undefined) {
    return {
      rejected: unknownCode(place, 'AT7-01', status, X12_SHIPMENT_STATUS_CODES, 'shipment status code'),
    };
  }
  const reasonMapping: X12ReasonMapping | undefined =
    reason === '' ? { exception: 'none' } : X12_REASON_MAPPING[reason];
  if (reasonMapping === undefined) {
    return { rejected: unknownCode(place, 'AT7-02', reason, X12_STATUS_REASON_CODES, 'status reason code') };
  }
  const time = statusTime(input, mapping.produces === 'eta' ? 'required' : 'receivedAt');
  if (!time.ok) return { rejected: time.rejected };

  const messageId = x12MessageId(keyParts);
  const carrier = scac === '' ? {} : { carrierId: scac };
  const statusText = X12_SHIPMENT_STATUS_CODES[status] ?? status;
  const reasonText =
    reason === '' || reason === 'NS' ? undefined : (X12_STATUS_REASON_CODES[reason] ?? reason);
  const description = reasonText === undefined ? statusText : `${statusText}: ${reasonText}`;
  const payloads: StatusPayload[] = [];

  switch (mapping.produces) {
    case 'milestone': {
      const location = joinText(input.location?.city, input.location?.region, input.location?.country);
      payloads.push({
        kind: 'shipment.milestone',
        payload: {
          messageId,
          occurredAt: time.at,
          source,
          milestone: mapping.milestone,
          ...(location === undefined ? {} : { location }),
          ...carrier,
          ...time.fields,
        },
      });
      break;
    }
    case 'eta':
      payloads.push({
        kind: 'shipment.eta',
        payload: {
          messageId,
          occurredAt: time.at,
          source,
          estimate: mapping.estimate,
          estimatedAt: time.at,
          ...carrier,
          ...time.fields,
        },
      });
      break;
    case 'exception': {
      const specific =
        (mapping.code === 'delay' || mapping.code === 'other') && reasonMapping.exception !== 'none'
          ? reasonMapping.exception
          : mapping.code;
      const severity =
        reasonMapping.exception === 'none'
          ? mapping.severity
          : maxSeverity(mapping.severity, reasonMapping.severity);
      payloads.push({
        kind: 'shipment.exception',
        payload: {
          messageId,
          occurredAt: time.at,
          source,
          exceptionId: messageId,
          code: specific,
          severity,
          description,
          ...time.fields,
        },
      });
      return { payloads, warnings: time.warnings };
    }
  }
  if (reasonMapping.exception !== 'none') {
    const exceptionMessageId = x12MessageId([...keyParts, 'exception']);
    payloads.push({
      kind: 'shipment.exception',
      payload: {
        messageId: exceptionMessageId,
        occurredAt: time.at,
        source,
        exceptionId: exceptionMessageId,
        code: reasonMapping.exception,
        severity: reasonMapping.severity,
        description,
        ...time.fields,
      },
    });
  }
  return { payloads, warnings: time.warnings };
}

function translateAppointment(input: StatusInput, appointment: string, reason: string): StatusResult {
  const { place, keyParts, source, scac } = input;
  const which = X12_APPOINTMENT_MAPPING[appointment];
  if (which === undefined) {
    return {
      rejected: unknownCode(
        place,
        'AT7-03',
        appointment,
        X12_APPOINTMENT_STATUS_CODES,
        'appointment status code',
      ),
    };
  }
  if (reason !== '' && X12_REASON_MAPPING[reason] === undefined) {
    return {
      rejected: unknownCode(place, 'AT7-04', reason, X12_STATUS_REASON_CODES, 'appointment reason code'),
    };
  }
  const time = statusTime(input, 'required');
  if (!time.ok) return { rejected: time.rejected };
  return {
    payloads: [
      {
        kind: 'shipment.appointment',
        payload: {
          messageId: x12MessageId(keyParts),
          occurredAt: time.at,
          source,
          appointment: which,
          code: appointment,
          ...(reason === '' ? {} : { reason }),
          appointmentAt: time.at,
          ...(scac === '' ? {} : { carrierId: scac }),
          ...time.fields,
        },
      },
    ],
    warnings: time.warnings,
  };
}
