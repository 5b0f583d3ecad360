import type { Severity } from '@waybill/domain';
import {
  guessedFlag,
  invalidInput,
  maxSeverity,
  ReferencesBuilder,
  translated,
  TranslationBuilder,
} from '../common/canonical';
import { decodeUtf8 } from '../common/json-reader';
import { boundedMessageId } from '../common/message-id';
import { resolveSourceTime, type SourceTime } from '../common/timestamps';
import type { CarrierReferences, Translation, TranslationContext } from '../translation';
import { component, tokenizeEdifact, type Segment } from './edifact-tokenizer';
import { parseEdifactDateTime, parseUnbDateTime } from './edifact-time';
import { STATUS_EVENTS, STATUS_REASONS, STATUS_TYPES, type ExceptionMapping } from './iftsta-codes';

/** RFF qualifiers (1153) that name the consignment, and the reference each one fills. */
const REFERENCE_QUALIFIERS: Readonly<Record<string, 'billOfLading' | 'tracking' | 'purchaseOrder'>> = {
  BM: 'billOfLading',
  AWB: 'billOfLading',
  CN: 'tracking',
  SRN: 'tracking',
  UCN: 'tracking',
  CU: 'purchaseOrder',
  ON: 'purchaseOrder',
  AAO: 'purchaseOrder',
};

interface Interchange {
  readonly sender: string;
  readonly controlRef: string;
  readonly preparedAt?: SourceTime;
}

interface StatusGroup {
  readonly index: number;
  readonly sts: Segment;
  readonly segments: Segment[];
}

interface Consignment {
  readonly index: number;
  readonly cni: Segment;
  /** Segments between CNI and its first STS. */
  readonly segments: Segment[];
  readonly statuses: StatusGroup[];
}

interface MessageFrame {
  readonly place: string;
  readonly source: string;
  readonly idPrefix: string;
  readonly documentTime?: SourceTime;
  readonly interchange: Interchange;
}

function addReference(
  builder: ReferencesBuilder,
  rff: Segment,
  out: TranslationBuilder,
  place: string,
): void {
  const qualifier = component(rff, 0, 0);
  const value = component(rff, 0, 1);
  const target = qualifier === undefined ? undefined : REFERENCE_QUALIFIERS[qualifier];
  if (target === undefined || value === undefined) {
    out.warn(`${place}: RFF qualifier ${qualifier ?? '(none)'} is not used to find the shipment`);
    return;
  }
  switch (target) {
    case 'billOfLading':
      builder.bol(value);
      return;
    case 'tracking':
      builder.tracking(value);
      return;
    case 'purchaseOrder':
      builder.purchaseOrder(value);
      return;
  }
}

/** GIN+BJ carries SSCCs of the consignment's packages (EANCOM); they serve as tracking numbers. */
function addGoodsIdentities(builder: ReferencesBuilder, gin: Segment): void {
  if (component(gin, 0) !== 'BJ') return;
  gin.elements.slice(1).forEach((_element, i) => builder.tracking(component(gin, i + 1, 0)));
}

function carrierIdOf(segments: readonly Segment[]): string | undefined {
  const nad = segments.find((segment) => segment.tag === 'NAD' && component(segment, 0) === 'CA');
  return nad === undefined ? undefined : component(nad, 1, 0);
}

interface Place {
  readonly text: string;
  readonly country?: string;
}

function locationOf(segments: readonly Segment[]): Place | undefined {
  const loc = segments.find((segment) => segment.tag === 'LOC');
  if (loc === undefined) return undefined;
  const code = component(loc, 1, 0);
  const name = component(loc, 1, 3);
  const text = name !== undefined && code !== undefined ? `${name} (${code})` : (name ?? code);
  if (text === undefined) return undefined;
  const country = code !== undefined && /^[A-Z]{2}[A-Z0-9]{3}$/.test(code) ? code.slice(0, 2) : undefined;
  return { text, ...(country === undefined ? {} : { country }) };
}

type TimeLookup =
  | { readonly ok: true; readonly time: SourceTime }
  | { readonly ok: false; readonly explanation: string; readonly code: string };

function dtmTime(
  segments: readonly Segment[],
  qualifier: string,
  out: TranslationBuilder,
  place: string,
): TimeLookup | undefined {
  const dtm = segments.find((segment) => segment.tag === 'DTM' && component(segment, 0, 0) === qualifier);
  if (dtm === undefined) return undefined;
  const value = component(dtm, 0, 1);
  const format = component(dtm, 0, 2);
  const code = `DTM-01=${dtm.elements[0]?.join(':') ?? ''}`;
  if (value === undefined) return { ok: false, explanation: `DTM ${qualifier} has no value`, code };
  const parsed = parseEdifactDateTime(value, format);
  if (!parsed.ok) return { ok: false, explanation: parsed.explanation, code };
  if (parsed.zoneText !== undefined) {
    out.warn(
      `${place}: time zone "${parsed.zoneText}" in DTM ${qualifier} is not an offset; zone guessed from the location`,
    );
  }
  return { ok: true, time: parsed.time };
}

function translateStatus(
  frame: MessageFrame,
  consignment: Consignment,
  status: StatusGroup,
  references: CarrierReferences,
  carrierId: string | undefined,
  out: TranslationBuilder,
): void {
  const place = `${frame.place}/CNI[${consignment.index}]/STS[${status.index}]`;
  const { sts } = status;
  const type = component(sts, 0, 0);
  if (type !== undefined && STATUS_TYPES[type] === undefined) {
    out.warn(`${place}: status type STS-01=${type} is not in the D96A list; the status event decides`);
  }
  const event = component(sts, 1, 0);
  if (event === undefined) {
    out.reject({
      reason: 'invalid_message',
      place,
      code: 'STS-02',
      explanation: 'STS has no status event code (9011)',
    });
    return;
  }
  const eventMapping = STATUS_EVENTS[event];
  if (eventMapping === undefined) {
    const text = component(sts, 1, 3);
    out.reject({
      reason: 'unknown_code',
      place,
      code: `STS-02=${event}`,
      explanation: `status event ${event}${text === undefined ? '' : ` ("${text}")`} is not in Waybill's 9011 table`,
    });
    return;
  }

  const time =
    dtmTime(status.segments, '334', out, place) ??
    dtmTime(consignment.segments, '334', out, place) ??
    (frame.documentTime === undefined ? undefined : ({ ok: true, time: frame.documentTime } as const));
  let sourceTime: SourceTime;
  if (time === undefined) {
    if (frame.interchange.preparedAt === undefined) {
      out.reject({
        reason: 'invalid_message',
        place,
        code: 'DTM',
        explanation: 'no DTM 334 and no usable UNB date',
      });
      return;
    }
    out.warn(`${place}: no DTM 334 status time; the interchange preparation time (UNB-04) is used`);
    sourceTime = frame.interchange.preparedAt;
  } else if (!time.ok) {
    out.reject({ reason: 'invalid_message', place, code: time.code, explanation: time.explanation });
    return;
  } else {
    sourceTime = time.time;
  }
  const location = locationOf(status.segments) ?? locationOf(consignment.segments);
  const resolved = resolveSourceTime(sourceTime, { country: location?.country });
  const base = {
    occurredAt: resolved.occurredAt,
    source: frame.source,
    ...guessedFlag(resolved.timeZoneGuessed),
  };
  const messageId = boundedMessageId('edifact', `${frame.idPrefix}:${consignment.index}:${status.index}`);

  if (eventMapping.milestone !== undefined) {
    out.message(
      translated(
        'shipment.milestone',
        {
          messageId,
          ...base,
          milestone: eventMapping.milestone,
          ...(location === undefined ? {} : { location: location.text }),
          ...(carrierId === undefined ? {} : { carrierId }),
        },
        references,
        place,
      ),
    );
  }

  const reasons: {
    readonly code: string;
    readonly description: string;
    readonly exception?: ExceptionMapping;
  }[] = [];
  for (let element = 2; element < Math.min(sts.elements.length, 6); element += 1) {
    const reason = component(sts, element, 0);
    if (reason === undefined) continue;
    const mapping = STATUS_REASONS[reason];
    if (mapping === undefined) {
      out.reject({
        reason: 'unknown_code',
        place,
        code: `STS-0${element + 1}=${reason}`,
        explanation: `status reason ${reason} is not in Waybill's 9013 table; the status event was still translated`,
      });
      continue;
    }
    reasons.push({ code: reason, ...mapping });
  }
  const reasonExceptions = reasons.filter((reason) => reason.exception !== undefined);
  const eventException = eventMapping.exception;
  if (eventException === undefined && reasonExceptions.length === 0) {
    if (eventMapping.milestone === undefined) {
      out.warn(`${place}: status event ${event} (${eventMapping.description}) is informational; no message`);
    }
    return;
  }
  // A reason refines a generic event (23 "delivery not completed" + 30 "incorrect address" → address).
  const firstReason = reasonExceptions[0]?.exception;
  const code =
    eventException !== undefined && (eventException.code !== 'other' || firstReason === undefined)
      ? eventException.code
      : (firstReason?.code ?? 'other');
  const severities: Severity[] = [
    ...(eventException === undefined ? [] : [eventException.severity]),
    ...reasonExceptions.flatMap((reason) =>
      reason.exception === undefined ? [] : [reason.exception.severity],
    ),
  ];
  const severity = maxSeverity(...severities);
  const description = [
    `${event} ${eventMapping.description}`,
    ...reasons.map((reason) => `reason ${reason.code} ${reason.description}`),
  ].join('; ');
  const exceptionId = boundedMessageId(
    'edifact',
    `${frame.idPrefix}:${consignment.index}:${status.index}:exception`,
  );
  out.message(
    translated(
      'shipment.exception',
      { messageId: exceptionId, ...base, exceptionId, code, severity, description },
      references,
      place,
    ),
  );
}

function splitConsignments(body: readonly Segment[]): { header: Segment[]; consignments: Consignment[] } {
  const header: Segment[] = [];
  const consignments: Consignment[] = [];
  for (const segment of body) {
    const consignment = consignments.at(-1);
    if (segment.tag === 'CNI') {
      consignments.push({ index: consignments.length + 1, cni: segment, segments: [], statuses: [] });
    } else if (consignment === undefined) {
      header.push(segment);
    } else if (segment.tag === 'STS') {
      consignment.statuses.push({ index: consignment.statuses.length + 1, sts: segment, segments: [] });
    } else {
      (consignment.statuses.at(-1)?.segments ?? consignment.segments).push(segment);
    }
  }
  return { header, consignments };
}

function translateMessage(
  interchange: Interchange,
  segments: readonly Segment[],
  out: TranslationBuilder,
): void {
  const [unh] = segments;
  if (unh === undefined) return;
  const messageRef = component(unh, 0) ?? '';
  const place = `UNB=${interchange.controlRef}/UNH=${messageRef}`;
  const type = component(unh, 1, 0);
  if (type !== 'IFTSTA') {
    out.reject({
      reason: 'invalid_message',
      place,
      code: `UNH-02=${type ?? ''}`,
      explanation: `message type ${type ?? '(none)'} is not IFTSTA`,
    });
    return;
  }
  const version = `${component(unh, 1, 1) ?? ''}${component(unh, 1, 2) ?? ''}`;
  if (/^D\d{2}[A-Z]$/.test(version) && Number(version.slice(1, 3)) < 96 && Number(version.slice(1, 3)) > 80) {
    out.warn(`${place}: IFTSTA ${version} predates D96A; read with the D96A code lists`);
  }
  const unt = segments.at(-1);
  const body = segments.slice(1, unt?.tag === 'UNT' ? -1 : undefined);
  if (unt?.tag !== 'UNT') {
    out.warn(`${place}: message has no UNT trailer`);
  } else if (component(unt, 0) !== String(segments.length)) {
    out.warn(
      `${place}: UNT-01 says ${component(unt, 0) ?? '(none)'} segments, the message has ${segments.length}`,
    );
  }

  const { header, consignments } = splitConsignments(body);
  const documentTime = dtmTime(header, '137', out, place);
  const frame: MessageFrame = {
    place,
    source: `edi:edifact:${interchange.sender}`,
    idPrefix: `edifact:${interchange.sender}:${interchange.controlRef}:${messageRef}`,
    interchange,
    ...(documentTime?.ok === true ? { documentTime: documentTime.time } : {}),
  };
  if (consignments.length === 0) {
    out.reject({
      reason: 'invalid_message',
      place,
      code: 'CNI',
      explanation: 'IFTSTA message has no CNI consignment',
    });
    return;
  }
  for (const consignment of consignments) {
    const consignmentPlace = `${place}/CNI[${consignment.index}]`;
    const builder = new ReferencesBuilder().purchaseOrder(component(consignment.cni, 1, 0));
    const all = [...header, ...consignment.segments, ...consignment.statuses.flatMap((s) => s.segments)];
    for (const segment of all) {
      if (segment.tag === 'RFF') addReference(builder, segment, out, consignmentPlace);
      if (segment.tag === 'GIN') addGoodsIdentities(builder, segment);
    }
    const references = builder.build();
    if (references === undefined) {
      out.reject({
        reason: 'invalid_message',
        place: consignmentPlace,
        code: 'CNI-02',
        explanation:
          'consignment has no reference (CNI-02, RFF BM/AWB/CN/SRN/UCN/CU/ON/AAO or GIN+BJ) to find the shipment by',
      });
      continue;
    }
    if (consignment.statuses.length === 0) {
      out.warn(`${consignmentPlace}: consignment has no STS status`);
    }
    const carrierId = carrierIdOf(consignment.segments) ?? carrierIdOf(header);
    for (const status of consignment.statuses) {
      translateStatus(frame, consignment, status, references, carrierId, out);
    }
  }
}

export function translateIftsta(raw: Uint8Array, _context: TranslationContext): Translation {
  const text = decodeUtf8(raw);
  if (text.trim() === '') {
    return invalidInput('input', 'empty input');
  }
  const tokens = tokenizeEdifact(text);
  if (!tokens.ok) {
    return invalidInput(`segment[${tokens.position}]`, `not an EDIFACT interchange: ${tokens.explanation}`);
  }
  const unb = tokens.segments.find((segment) => segment.tag === 'UNB');
  const sender = unb === undefined ? undefined : component(unb, 1, 0);
  const controlRef = unb === undefined ? undefined : component(unb, 4, 0);
  if (unb === undefined || sender === undefined || controlRef === undefined) {
    return invalidInput(
      unb === undefined ? 'UNB' : `segment[${unb.position}]`,
      'no UNB interchange header with a sender (UNB-02) and control reference (UNB-05); both name the source and its messages',
    );
  }
  const preparedAt = parseUnbDateTime(component(unb, 3, 0), component(unb, 3, 1));
  const interchange: Interchange = {
    sender,
    controlRef,
    ...(preparedAt === undefined ? {} : { preparedAt }),
  };
  const out = new TranslationBuilder();
  tokens.warnings.forEach((warning) => out.warn(warning));

  let current: Segment[] | undefined;
  let messageCount = 0;
  for (const segment of tokens.segments) {
    if (segment.tag === 'UNH' || segment.tag === 'UNZ') {
      if (current !== undefined) translateMessage(interchange, current, out);
      current = undefined;
    }
    if (segment.tag === 'UNH') {
      current = [segment];
      messageCount += 1;
    } else if (current !== undefined) {
      current.push(segment);
      if (segment.tag === 'UNT') {
        translateMessage(interchange, current, out);
        current = undefined;
      }
    } else if (segment.tag === 'UNZ') {
      const declared = component(segment, 0);
      if (declared !== String(messageCount)) {
        out.warn(
          `UNB=${controlRef}: UNZ-01 says ${declared ?? '(none)'} messages, the interchange has ${messageCount}`,
        );
      }
    } else if (!['UNA', 'UNB', 'UNG', 'UNE'].includes(segment.tag)) {
      out.warn(
        `UNB=${controlRef}: segment ${segment.position} (${segment.tag}) outside any message is ignored`,
      );
    }
  }
  if (current !== undefined) translateMessage(interchange, current, out);
  if (messageCount === 0) {
    return invalidInput(`UNB=${controlRef}`, 'interchange has no UNH message');
  }
  return out.build();
}
