import { headers as natsHeaders, type JetStreamClient, type PubAck } from 'nats';
import { canonicalJson } from '@waybill/domain';
import type { Subjects } from './subjects';

/** When Waybill received the raw carrier message a canonical message was translated from. */
export const RECEIVED_AT_HEADER = 'Waybill-Received-At';
/** `<subject>#<stream sequence>` of the raw carrier message, and the place in it. */
export const TRANSLATED_FROM_HEADER = 'Waybill-Translated-From';

/**
 * A canonical message that Waybill publishes itself on `<prefix>.ingest.<kind>`, translated from a
 * carrier format. It then takes the path of any upstream message (ledger, mailbox, append).
 */
export interface CanonicalPublication {
  /** The canonical subject after `<prefix>.ingest.`, e.g. `shipment.milestone`. */
  readonly kind: string;
  /** The payload without `shipmentId` and `correlationId`; has `messageId`. */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly shipmentId: string;
  readonly correlationId: string;
  readonly receivedAt: Date;
  /** `<raw subject>#<stream sequence>/<place>`, for tracing only. */
  readonly translatedFrom: string;
}

/**
 * The bytes of a canonical message: sorted keys, so that the same message built again (a
 * redelivery, a replay of a parked one from its stored jsonb, whose key order PostgreSQL does not
 * keep) is the same bytes.
 */
export function canonicalBytes(publication: CanonicalPublication): Uint8Array {
  const body = {
    ...publication.payload,
    shipmentId: publication.shipmentId,
    correlationId: publication.correlationId,
  };
  return new TextEncoder().encode(canonicalJson(body));
}

/**
 * Publishes a canonical message and waits for JetStream's ack. `Nats-Msg-Id` is the message's
 * `messageId`, so a re-publish inside the stream's duplicate window is dropped by the server, and
 * one outside it is recognised by the ingest ledger and the shipment's stream.
 */
export async function publishCanonical(
  js: JetStreamClient,
  subjects: Subjects,
  publication: CanonicalPublication,
): Promise<PubAck> {
  const messageId = publication.payload.messageId;
  if (typeof messageId !== 'string' || messageId.length === 0) {
    throw new Error(`canonical ${publication.kind} message has no messageId`);
  }
  const h = natsHeaders();
  h.set(RECEIVED_AT_HEADER, publication.receivedAt.toISOString());
  h.set(TRANSLATED_FROM_HEADER, publication.translatedFrom);
  return js.publish(subjects.ingest(publication.kind), canonicalBytes(publication), {
    msgID: messageId,
    headers: h,
  });
}
