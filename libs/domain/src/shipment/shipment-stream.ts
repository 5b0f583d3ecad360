/** The event-log stream of one shipment. The prefix is stored data: never change it. */
export const SHIPMENT_STREAM_PREFIX = 'shipment-';

export function shipmentStreamId(shipmentId: string): string {
  return `${SHIPMENT_STREAM_PREFIX}${shipmentId}`;
}

export function shipmentIdOf(streamId: string): string | null {
  return streamId.startsWith(SHIPMENT_STREAM_PREFIX) ? streamId.slice(SHIPMENT_STREAM_PREFIX.length) : null;
}
