import { canonicalBytes, type CanonicalPublication } from './canonical-publish';

const publication = (payload: Record<string, unknown>): CanonicalPublication => ({
  kind: 'shipment.milestone',
  payload,
  shipmentId: 'SHP-1',
  correlationId: 'corr-1',
  receivedAt: new Date('2026-11-27T08:00:00Z'),
  translatedFrom: 'edi.214#7/1',
});

describe('canonicalBytes', () => {
  it('when the same message is built with its keys in another order, at any depth, then the bytes are the same', () => {
    const a = canonicalBytes(
      publication({ messageId: 'm-1', milestone: 'delivered', place: { city: 'Gent', country: 'BE' } }),
    );
    const b = canonicalBytes(
      publication({ place: { country: 'BE', city: 'Gent' }, milestone: 'delivered', messageId: 'm-1' }),
    );
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('when built, then the body is the payload with shipmentId and correlationId, keys sorted', () => {
    const text = new TextDecoder().decode(canonicalBytes(publication({ messageId: 'm-1', b: [2, 1], a: 1 })));
    expect(text).toBe('{"a":1,"b":[2,1],"correlationId":"corr-1","messageId":"m-1","shipmentId":"SHP-1"}');
  });
});
