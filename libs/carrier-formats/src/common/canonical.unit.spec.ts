import { maxSeverity, ReferencesBuilder } from './canonical';

describe('maxSeverity', () => {
  it('when severities are given in any order, then the highest one comes out', () => {
    expect(maxSeverity('medium', 'low')).toBe('medium');
    expect(maxSeverity('low', 'high', 'medium')).toBe('high');
    expect(maxSeverity('medium', 'medium')).toBe('medium');
  });

  it('when there is no severity, then it is low', () => {
    expect(maxSeverity()).toBe('low');
  });
});

describe('ReferencesBuilder', () => {
  it('when a second, different PRO or bill of lading arrives, then the first stays and the second is kept as a tracking number or a purchase order', () => {
    const references = new ReferencesBuilder()
      .proNumber('PRO-1')
      .bol('BOL-1')
      .proNumber('PRO-2')
      .bol('BOL-2')
      .proNumber('PRO-1')
      .bol('BOL-1')
      .build();
    expect(references).toEqual({
      pro: 'PRO-1',
      billOfLading: 'BOL-1',
      trackingNumbers: ['PRO-2'],
      purchaseOrders: ['BOL-2'],
    });
  });

  it('when references are merged, then the same rules hold, lists keep first-seen order without repeats, and the first shipment id wins', () => {
    const references = new ReferencesBuilder()
      .shipment('SHP-1')
      .tracking('1Z-A')
      .proNumber('PRO-1')
      .merge({
        shipmentId: 'SHP-2',
        pro: 'PRO-2',
        trackingNumbers: ['1Z-B', '1Z-A'],
        purchaseOrders: ['PO-1'],
      })
      .build();
    expect(references).toEqual({
      shipmentId: 'SHP-1',
      pro: 'PRO-1',
      trackingNumbers: ['1Z-A', 'PRO-2', '1Z-B'],
      purchaseOrders: ['PO-1'],
    });
  });

  it('when nothing but empty values is given, then there are no references', () => {
    expect(
      new ReferencesBuilder().tracking('').bol(undefined).proNumber('').shipment('').build(),
    ).toBeUndefined();
  });
});
