import { supportsMultipleFilters } from './jetstream-setup';
import {
  CARRIER_FACT_SUBJECTS,
  carrierFormatFilters,
  isCarrierFormatSubject,
  serverPayloadLimitWarning,
  isContractSubject,
  MAX_PAYLOAD_BYTES,
  OTHER_CONTRACT_SUBJECTS,
  SHIPMENT_SUBJECTS,
  streamNames,
  subjectsFor,
} from './subjects';

describe('subjectsFor', () => {
  it('when the prefix is the default, then the subjects are those of contract v1 §2 and §3', () => {
    const subjects = subjectsFor('waybill');
    expect(subjects.prefix).toBe('waybill');
    expect(subjects.ingestRoot).toBe('waybill.ingest.');
    expect(subjects.ingestWildcard).toBe('waybill.ingest.>');
    expect(subjects.ingest('shipment.booked')).toBe('waybill.ingest.shipment.booked');
    expect(subjects.commandWildcards).toEqual(['waybill.erp.>', 'waybill.crm.>']);
  });

  it('when the prefix is a tenant or test prefix, then every subject starts with it', () => {
    const subjects = subjectsFor('t42');
    expect(subjects.ingestWildcard).toBe('t42.ingest.>');
    expect(subjects.ingest('shipment.pod')).toBe('t42.ingest.shipment.pod');
    expect(subjects.commandWildcards).toEqual(['t42.erp.>', 't42.crm.>']);
  });
});

describe('ingestSuffix', () => {
  const subjects = subjectsFor('waybill');

  it('when a subject is under the ingest root, then the suffix is the rest of it', () => {
    expect(subjects.ingestSuffix('waybill.ingest.shipment.booked')).toBe('shipment.booked');
    expect(subjects.ingestSuffix('waybill.ingest.carrier.UPSN')).toBe('carrier.UPSN');
  });

  it('when a subject is built with ingest(), then ingestSuffix gives the suffix back', () => {
    for (const suffix of [...SHIPMENT_SUBJECTS, ...OTHER_CONTRACT_SUBJECTS]) {
      expect(subjects.ingestSuffix(subjects.ingest(suffix))).toBe(suffix);
    }
  });

  it('when a subject is not under the ingest root, then the suffix is null', () => {
    expect(subjects.ingestSuffix('waybill.erp.invoice.release')).toBeNull();
    expect(subjects.ingestSuffix('other.ingest.shipment.booked')).toBeNull();
    expect(subjects.ingestSuffix('waybill.ingest')).toBeNull();
    expect(subjects.ingestSuffix('waybill.ingestx.shipment.booked')).toBeNull();
    expect(subjects.ingestSuffix('')).toBeNull();
  });

  it('when another prefix only starts with the same letters, then its subjects are not ours', () => {
    expect(subjectsFor('way').ingestSuffix('waybill.ingest.shipment.booked')).toBeNull();
  });

  it('when the subject is exactly the ingest root, then the suffix is empty', () => {
    expect(subjects.ingestSuffix('waybill.ingest.')).toBe('');
  });
});

describe('carrier formats', () => {
  it('when the suffix is a raw carrier format, then it is one, and the additions to v1 are canonical subjects', () => {
    for (const suffix of ['edi.x12', 'edi.edifact', 'epcis', 'carrier.ups', 'carrier.DHL']) {
      expect(isCarrierFormatSubject(suffix)).toBe(true);
    }
    for (const suffix of ['edi.x13', 'carrier.ups.v2', 'epcis.events', 'shipment.eta']) {
      expect(isCarrierFormatSubject(suffix)).toBe(false);
    }
    for (const suffix of CARRIER_FACT_SUBJECTS) expect(isContractSubject(suffix)).toBe(true);
  });

  it('when the translation filters are built, then they cover exactly the raw carrier subjects', () => {
    expect(carrierFormatFilters(subjectsFor('t1'))).toEqual([
      't1.ingest.edi.>',
      't1.ingest.carrier.>',
      't1.ingest.epcis',
    ]);
  });

  it.each([
    ['2.9.10', false],
    ['2.10.0', true],
    ['2.11.3-beta', true],
    ['3.0.0', true],
  ])('when the server is %s, then filter_subjects support is %s', (version, expected) => {
    expect(supportsMultipleFilters(version)).toBe(expected);
  });
});

describe('isContractSubject', () => {
  it('when the suffix is one of the six shipment subjects, then it is a contract subject', () => {
    expect([...SHIPMENT_SUBJECTS]).toEqual([
      'shipment.booked',
      'shipment.milestone',
      'shipment.exception',
      'shipment.exception-cleared',
      'shipment.pod',
      'shipment.temperature',
    ]);
    for (const suffix of SHIPMENT_SUBJECTS) expect(isContractSubject(suffix)).toBe(true);
  });

  it('when the suffix is a billing, reply or carrier-format subject of §2, then it is a contract subject', () => {
    for (const suffix of [
      'contract',
      'erp.invoice-released',
      'erp.invoice-rejected',
      'crm.case-opened',
      'crm.case-resolved',
      'edi.x12',
      'edi.edifact',
      'epcis',
    ]) {
      expect(isContractSubject(suffix)).toBe(true);
    }
  });

  it('when the suffix is carrier.<carrier>, then it is a contract subject for any single-token carrier', () => {
    expect(isContractSubject('carrier.UPSN')).toBe(true);
    expect(isContractSubject('carrier.fedex_ground-2')).toBe(true);
  });

  it('when the carrier token is missing, split or has a wildcard, then it is not a contract subject', () => {
    expect(isContractSubject('carrier.')).toBe(false);
    expect(isContractSubject('carrier')).toBe(false);
    expect(isContractSubject('carrier.UPSN.extra')).toBe(false);
    expect(isContractSubject('carrier.*')).toBe(false);
    expect(isContractSubject('carrier.>')).toBe(false);
  });

  it('when the suffix is unknown, differs in case or extends a known one, then it is not a contract subject', () => {
    for (const suffix of [
      '',
      'shipment',
      'shipment.Booked',
      'shipment.booked.v2',
      'shipment.delivered',
      'erp.invoice',
      'edi',
      'contracts',
      'toString',
      'constructor',
    ]) {
      expect(isContractSubject(suffix)).toBe(false);
    }
  });
});

describe('streamNames', () => {
  it('when given the stream prefix, then the ingest and command streams are <prefix>_INGEST and <prefix>_COMMANDS', () => {
    expect(streamNames('WAYBILL')).toEqual({ ingest: 'WAYBILL_INGEST', commands: 'WAYBILL_COMMANDS' });
    expect(streamNames('T_1')).toEqual({ ingest: 'T_1_INGEST', commands: 'T_1_COMMANDS' });
  });
});

describe('MAX_PAYLOAD_BYTES', () => {
  it('when compared with the contract, then it is 1 MiB', () => {
    expect(MAX_PAYLOAD_BYTES).toBe(1_048_576);
  });
});

describe('serverPayloadLimitWarning', () => {
  it("when the server keeps NATS's default 1 MiB max_payload, then the operator is warned that too_large cannot be reached", () => {
    expect(serverPayloadLimitWarning(1024 * 1024)).toMatch(
      /max_payload is 1048576 bytes.*too_large.*2097152/,
    );
  });

  it('when the server takes 2 MiB or more, or does not say, then there is no warning', () => {
    expect(serverPayloadLimitWarning(2 * 1024 * 1024)).toBeNull();
    expect(serverPayloadLimitWarning(8 * 1024 * 1024)).toBeNull();
    expect(serverPayloadLimitWarning(undefined)).toBeNull();
  });
});
