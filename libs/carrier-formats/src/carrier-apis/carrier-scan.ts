import type { ExceptionCode, Milestone, Severity } from '@waybill/domain';
import { guessedFlag, translated, type TranslationBuilder } from '../common/canonical';
import { hashedMessageId } from '../common/message-id';
import {
  formatInstantUtc,
  resolveSourceTime,
  type PlaceForZone,
  type ResolvedTime,
  type SourceTime,
} from '../common/timestamps';
import type { CarrierReferences } from '../translation';

/** What a carrier status means for Waybill. */
export type ScanOutcome =
  | { readonly kind: 'milestone'; readonly milestone: Milestone }
  | { readonly kind: 'exception'; readonly code: ExceptionCode; readonly severity: Severity }
  /** A true status that is none of our milestones (label created, held at location …): a warning. */
  | { readonly kind: 'informational' }
  | { readonly kind: 'unknown' };

export interface ScanLocation extends PlaceForZone {
  readonly text?: string;
}

/** One tracking event, read from a carrier's JSON into a common shape. */
export interface CarrierScan {
  readonly trackingNumber: string;
  /** The carrier's code(s) as given, e.g. `D/FS`; part of the dedup key. */
  readonly code: string;
  /** The code that decided, as a rejection names it: `status.type=Q`. */
  readonly rejectCode: string;
  /** The time exactly as the carrier wrote it; part of the dedup key. */
  readonly rawTime: string;
  readonly time: SourceTime | undefined;
  readonly location?: ScanLocation;
  readonly description?: string;
  readonly outcome: ScanOutcome;
  readonly place: string;
}

export interface ProofOfDelivery {
  readonly signedBy?: string;
  readonly signatureCaptured: boolean;
  readonly documentRef?: string;
}

export interface CarrierFrame {
  /** `UPS`, `FEDEX`, `DHL`: the source is `carrier:<name>`. */
  readonly name: string;
  /** messageId prefix, e.g. `ups`. */
  readonly prefix: string;
  readonly out: TranslationBuilder;
}

/** Carrier APIs have no event ids: the id is a hash of what identifies the event at the carrier. */
function scanMessageId(frame: CarrierFrame, scan: CarrierScan): string {
  return hashedMessageId(frame.prefix, [
    scan.trackingNumber,
    scan.code,
    scan.rawTime,
    scan.location?.text ?? '',
  ]);
}

/** Translates one scan; returns its resolved time when it produced a message (for ETA timing). */
export function emitScan(
  frame: CarrierFrame,
  scan: CarrierScan,
  references: CarrierReferences,
  pod: ProofOfDelivery | undefined,
): ResolvedTime | undefined {
  const { out } = frame;
  if (scan.outcome.kind === 'unknown') {
    out.reject({
      reason: 'unknown_code',
      place: scan.place,
      code: scan.rejectCode,
      explanation: `${frame.name} status ${scan.rejectCode}${scan.description === undefined ? '' : ` ("${scan.description}")`} is not in Waybill's ${frame.name} table`,
    });
    return undefined;
  }
  if (scan.time === undefined) {
    out.reject({
      reason: 'invalid_message',
      place: scan.place,
      code: `time=${scan.rawTime}`,
      explanation: `event time "${scan.rawTime}" is missing or not a valid date/time`,
    });
    return undefined;
  }
  const resolved = resolveSourceTime(scan.time, scan.location ?? {});
  if (scan.outcome.kind === 'informational') {
    out.warn(`${scan.place}: ${frame.name} status ${scan.code} is informational; no message`);
    return resolved;
  }
  const messageId = scanMessageId(frame, scan);
  const base = {
    messageId,
    occurredAt: resolved.occurredAt,
    source: `carrier:${frame.name}`,
    ...guessedFlag(resolved.timeZoneGuessed),
  };
  const location = scan.location?.text;
  switch (scan.outcome.kind) {
    case 'milestone':
      out.message(
        translated(
          'shipment.milestone',
          { ...base, milestone: scan.outcome.milestone, ...(location === undefined ? {} : { location }) },
          references,
          scan.place,
        ),
      );
      if (scan.outcome.milestone === 'delivered' && pod !== undefined) {
        const podId = `${messageId}:pod`;
        out.message(
          translated(
            'shipment.pod',
            {
              ...base,
              messageId: podId,
              podId,
              ...(pod.signedBy === undefined ? {} : { signedBy: pod.signedBy }),
              signatureCaptured: pod.signatureCaptured,
              ...(pod.documentRef === undefined ? {} : { documentRef: pod.documentRef }),
            },
            references,
            scan.place,
          ),
        );
      }
      return resolved;
    case 'exception':
      out.message(
        translated(
          'shipment.exception',
          {
            ...base,
            exceptionId: messageId,
            code: scan.outcome.code,
            severity: scan.outcome.severity,
            ...(scan.description === undefined ? {} : { description: scan.description }),
          },
          references,
          scan.place,
        ),
      );
      return resolved;
  }
}

export interface EstimateInput {
  readonly trackingNumber: string;
  readonly estimate: 'pickup' | 'delivery';
  readonly rawTime: string;
  readonly time: SourceTime | undefined;
  readonly zonePlace: PlaceForZone;
  readonly place: string;
}

/**
 * An estimate has no event time of its own: it is stamped with the latest scan's time, so that a
 * re-sent response gives the same message. With no scan at all, `receivedAt` is used and is part
 * of the id (a later poll is then a new estimate, never a conflicting duplicate).
 */
export function emitEstimate(
  frame: CarrierFrame,
  input: EstimateInput,
  references: CarrierReferences,
  latestScan: ResolvedTime | undefined,
  receivedAt: Date,
): void {
  const { out } = frame;
  if (input.time === undefined) {
    out.reject({
      reason: 'invalid_message',
      place: input.place,
      code: `estimate=${input.rawTime}`,
      explanation: `estimated ${input.estimate} "${input.rawTime}" is not a valid date/time`,
    });
    return;
  }
  const estimated = resolveSourceTime(input.time, input.zonePlace);
  const occurredAt = latestScan?.occurredAt ?? formatInstantUtc(receivedAt);
  if (latestScan === undefined) {
    out.warn(`${input.place}: no scan to date the estimate; receivedAt is used`);
  }
  const messageId = hashedMessageId(frame.prefix, [
    input.trackingNumber,
    `eta:${input.estimate}`,
    input.rawTime,
    ...(latestScan === undefined ? [occurredAt] : []),
  ]);
  out.message(
    translated(
      'shipment.eta',
      {
        messageId,
        occurredAt,
        source: `carrier:${frame.name}`,
        ...guessedFlag(estimated.timeZoneGuessed || latestScan?.timeZoneGuessed === true),
        estimate: input.estimate,
        estimatedAt: estimated.occurredAt,
      },
      references,
      input.place,
    ),
  );
}

/** The later of two resolved times (by instant). */
export function latest(a: ResolvedTime | undefined, b: ResolvedTime | undefined): ResolvedTime | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(b.occurredAt) > Date.parse(a.occurredAt) ? b : a;
}

const KEYWORD_RULES: readonly (readonly [RegExp, ExceptionCode])[] = [
  [/refus|rejected by (recipient|consignee)/i, 'refused'],
  [/damage/i, 'damage'],
  [/temperature/i, 'temperature_excursion'],
  [/customs|clearance|import|export|dut(y|ies)|broker/i, 'customs_hold'],
  [/address|undeliverable as addressed/i, 'address'],
  [/lost|cannot be located|unable to locate|missing/i, 'lost'],
  [/short|partial/i, 'shortage'],
  [/delay|weather|late|reschedul|missed|not available|not home|closed|attempt|mechanical/i, 'delay'],
];

const KEYWORD_SEVERITY: Readonly<Record<ExceptionCode, Severity>> = {
  damage: 'high',
  lost: 'high',
  temperature_excursion: 'high',
  refused: 'medium',
  customs_hold: 'medium',
  address: 'medium',
  shortage: 'medium',
  other: 'medium',
  delay: 'low',
};

/**
 * Carrier exception texts have no shared code list; the first matching keyword decides the code
 * (see docs/formats.md), `other` otherwise.
 */
export function exceptionFromText(text: string | undefined): ScanOutcome {
  const code = KEYWORD_RULES.find(([pattern]) => text !== undefined && pattern.test(text))?.[1] ?? 'other';
  return { kind: 'exception', code, severity: KEYWORD_SEVERITY[code] };
}

export function exceptionOf(code: ExceptionCode): ScanOutcome {
  return { kind: 'exception', code, severity: KEYWORD_SEVERITY[code] };
}

export const milestoneOf = (milestone: Milestone): ScanOutcome => ({ kind: 'milestone', milestone });
export const INFORMATIONAL: ScanOutcome = { kind: 'informational' };
export const UNKNOWN: ScanOutcome = { kind: 'unknown' };
