import type { JetStreamClient, PubAck } from 'nats';
import { publishCanonical, type Subjects } from '@waybill/messaging';
import type { ParkedMessage, ParkedMessageStore } from './parked-message.store';
import type { ReferenceSet, Resolution, ShipmentReferences } from './shipment-references';

/**
 * What an `unmatched_reference` row keeps of its translated message (`translated` jsonb): enough
 * to publish the very same canonical message once a booking names one of its references.
 */
export interface UnmatchedTranslation {
  readonly kind: string;
  /** The canonical payload without `shipmentId` (and without `correlationId`). */
  readonly payload: Record<string, unknown>;
  readonly references: ReferenceSet;
  readonly place: string;
  readonly correlationId: string;
  /** When Waybill received the raw carrier message (ISO 8601). */
  readonly receivedAt: string;
  /** `<raw subject>#<stream sequence>/<place>`. */
  readonly translatedFrom: string;
}

export function unmatchedTranslationOf(parked: ParkedMessage): UnmatchedTranslation | null {
  const t = parked.translated;
  if (parked.reason !== 'unmatched_reference' || !t) return null;
  if (typeof t.kind !== 'string' || !t.payload || typeof t.payload !== 'object') return null;
  return t as unknown as UnmatchedTranslation;
}

export interface UnmatchedReplayDependencies {
  readonly parked: ParkedMessageStore;
  readonly references: ShipmentReferences;
  readonly js: JetStreamClient;
  readonly subjects: Subjects;
}

export type UnmatchedReplayOutcome =
  | {
      readonly replayed: true;
      readonly shipmentId: string;
      readonly by: string;
      readonly ack: PubAck;
      readonly closed: boolean;
    }
  | { readonly replayed: false; readonly resolution: Extract<Resolution, { matched: false }> };

/**
 * Resolves a parked `unmatched_reference` message again and, when a booking now names it,
 * publishes its canonical message (`Nats-Msg-Id` = its `messageId`) and marks the row
 * `replayed`. Publishing first and closing after means a crash in between publishes again, which
 * the ingest ledger and the shipment's stream recognise; the other order could lose the message.
 * Safe to run twice at once (the translation consumer and the references indexer may): the second
 * publish is a duplicate and the second close finds the row no longer parked.
 */
export async function replayUnmatched(
  deps: UnmatchedReplayDependencies,
  parked: ParkedMessage,
  statusReason: string,
): Promise<UnmatchedReplayOutcome> {
  const translation = unmatchedTranslationOf(parked);
  if (!translation) throw new Error(`parked message ${parked.id} keeps no translated message`);
  const resolution = await deps.references.resolve(translation.references);
  if (!resolution.matched) return { replayed: false, resolution };
  const ack = await publishCanonical(deps.js, deps.subjects, {
    kind: translation.kind,
    payload: translation.payload,
    shipmentId: resolution.shipmentId,
    correlationId: translation.correlationId,
    receivedAt: new Date(translation.receivedAt),
    translatedFrom: translation.translatedFrom,
  });
  const closed = await deps.parked.close(
    parked.id,
    'replayed',
    `${statusReason}: ${resolution.by} names shipment ${resolution.shipmentId}`,
  );
  return { replayed: true, shipmentId: resolution.shipmentId, by: resolution.by, ack, closed };
}
