/** The event-log stream of one customer's contract. The prefix is stored data: never change it. */
export const CONTRACT_STREAM_PREFIX = 'contract-';

export function contractStreamId(customerId: string): string {
  return `${CONTRACT_STREAM_PREFIX}${customerId}`;
}

export function customerIdOf(streamId: string): string | null {
  return streamId.startsWith(CONTRACT_STREAM_PREFIX) ? streamId.slice(CONTRACT_STREAM_PREFIX.length) : null;
}
