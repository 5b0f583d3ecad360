import {
  canonicalJson,
  decide,
  evolve,
  initialShipmentState,
  type ShipmentCommand,
  type ShipmentEvent,
  type ShipmentState,
} from '@waybill/domain';
import type { Publication } from './shipment-day';

const COMMAND_BY_SUBJECT: Record<string, ShipmentCommand['type']> = {
  'shipment.booked': 'RecordBooking',
  'shipment.milestone': 'RecordMilestone',
  'shipment.exception': 'RaiseException',
  'shipment.exception-cleared': 'ClearException',
  'shipment.pod': 'RecordPod',
  'shipment.temperature': 'RecordTemperature',
};

/** What Waybill must make of a day, worked out with the pure domain alone: the tests' oracle. */
export interface ExpectedOutcome {
  /** Per shipment, its events in order, with `receivedAt` left out (JetStream sets it). */
  readonly streams: Map<string, ShipmentEvent[]>;
  /**
   * Every event of `streams` once, in the order one processor appends them (publish order): the
   * shipments interleaved, as in a real log, each shipment's own events in stream order.
   */
  readonly log: { readonly shipmentId: string; readonly event: ShipmentEvent }[];
  readonly states: Map<string, ShipmentState>;
  /** Per parked message, its reason, in publish order. */
  readonly parked: { readonly subject: string; readonly reason: string; readonly messageId?: string }[];
  readonly duplicates: number;
}

export const RECEIVED_AT_PLACEHOLDER = '<receivedAt>';

/**
 * Replays a day through `decide`/`evolve` in publish order, the order in which one processor
 * receives it. Valid only while each shipment's messages are processed in that order, which is
 * what Waybill guarantees when nothing is redelivered.
 */
export function expectedOutcome(day: readonly Publication[]): ExpectedOutcome {
  const ledger = new Map<string, string>();
  const streams = new Map<string, ShipmentEvent[]>();
  const log: { shipmentId: string; event: ShipmentEvent }[] = [];
  const states = new Map<string, ShipmentState>();
  const parked: { subject: string; reason: string; messageId?: string }[] = [];
  let duplicates = 0;

  for (const p of day) {
    if (p.intent === 'invalid_json' || p.intent === 'invalid_message' || p.intent === 'unknown_subject') {
      parked.push({
        subject: p.subject,
        reason: p.intent,
        ...(p.messageId ? { messageId: p.messageId } : {}),
      });
      continue;
    }
    const body = p.body!;
    const hash = canonicalJson(body);
    const seen = ledger.get(p.messageId!);
    if (seen !== undefined && seen !== hash) {
      parked.push({ subject: p.subject, reason: 'conflicting_duplicate', messageId: p.messageId! });
      continue;
    }
    ledger.set(p.messageId!, hash);
    const { shipmentId: _s, correlationId: _c, ...fields } = body;
    const command = {
      type: COMMAND_BY_SUBJECT[p.subject]!,
      data: { ...fields, receivedAt: RECEIVED_AT_PLACEHOLDER },
    } as ShipmentCommand;
    const state = states.get(p.shipmentId!) ?? initialShipmentState;
    const events = decide(command, state);
    if (events.length === 0) duplicates++;
    states.set(p.shipmentId!, events.reduce(evolve, state));
    streams.set(p.shipmentId!, [...(streams.get(p.shipmentId!) ?? []), ...events]);
    for (const event of events) log.push({ shipmentId: p.shipmentId!, event });
  }
  return { streams, log, states, parked, duplicates };
}
