import {
  contractStreamId,
  decideBilling,
  evolveBilling,
  findMilestoneFact,
  initialShipmentState,
  isShipmentBillingEvent,
  isShipmentDecisionEvent,
  outstandingRelease,
  shipmentStreamId,
  withPolicyDefaults,
  type CurrentContract,
  type ExceptionFact,
  type Milestone,
  type MilestoneFact,
  type PodFact,
  type ShipmentEvent,
  type ShipmentState,
  type ShipmentStreamEvent,
  type SourceTime,
} from '@waybill/domain';
import { expectedOutcome, shipmentDay } from '@waybill/simulator';
// Here rather than in libs/projections, which may import only the domain: the log comes from the simulator.
import {
  billableShipments,
  billableShipmentsProjection,
  project,
  type BillableShipmentsRow,
  type RecordedHold,
  type StoredEvent,
} from '@waybill/projections';

/*
 * The fold as it was first written (object spreads, a sort after every change, `Date.parse`
 * everywhere), kept as the reference that the faster fold must match exactly: same values, same
 * key order in the stored JSON.
 *
 * This is a second copy of the shipment rules in libs/domain and of the row rules in
 * billable-shipments.projection.ts, on purpose: an oracle written the plain way, against which the
 * fast way is checked on logs far wider than the domain's own given/when/then tests. It pins the
 * rules as of 2026-11-27. A deliberate change of a rule is made here too, in the plain way; a
 * difference that nobody meant is what this test is for.
 */

const UNTRACKED = new Set<string>();

function byOccurrence(a: { readonly occurredAt: string }, b: { readonly occurredAt: string }): number {
  return Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
}

/** After every fact that did not occur later (a time that is not one occurred at no time). */
function inOrder<Fact extends { readonly occurredAt: string }>(facts: readonly Fact[], fact: Fact): Fact[] {
  let end = facts.length;
  while (end > 0 && Date.parse(facts[end - 1]!.occurredAt) > Date.parse(fact.occurredAt)) end--;
  return [...facts.slice(0, end), fact, ...facts.slice(end)];
}

function sourceTimeOf(data: SourceTime): SourceTime {
  return {
    ...(data.timeZoneGuessed === undefined ? {} : { timeZoneGuessed: data.timeZoneGuessed }),
    ...(data.sourceTimeCode === undefined ? {} : { sourceTimeCode: data.sourceTimeCode }),
  };
}

function referenceEvolve(state: ShipmentState, event: ShipmentStreamEvent): ShipmentState {
  if (!isShipmentBillingEvent(event)) return referenceRecorded(state, event);
  const billing = evolveBilling(state.billing, event, {
    temperatureExcursions: state.temperature.excursions,
  });
  if (isShipmentDecisionEvent(event)) return { ...state, billing };
  return { ...state, billing };
}

function referenceRecorded(state: ShipmentState, event: ShipmentEvent): ShipmentState {
  const messageIds = UNTRACKED;
  switch (event.type) {
    case 'ShipmentBooked':
    case 'ShipmentBookingRevised': {
      const { messageId: _m, source: _s, occurredAt: _o, receivedAt: _r, ...booking } = event.data;
      return { ...state, booking, messageIds };
    }
    case 'ShipmentMilestoneRecorded': {
      const { milestone, occurredAt, source, receivedAt, location } = event.data;
      const fact: MilestoneFact = {
        milestone,
        occurredAt,
        source,
        receivedAt,
        reportedBy: [source],
        ...(location === undefined ? {} : { location }),
      };
      return { ...state, milestones: inOrder(state.milestones, fact), messageIds };
    }
    case 'ShipmentMilestoneRejected':
      return { ...state, rejectedReports: state.rejectedReports + 1, messageIds };
    case 'ShipmentReportCorroborated': {
      const { fact, key, source, occurredAt, location } = event.data;
      let milestones = state.milestones;
      if (fact === 'milestone') {
        const index = findMilestoneFact(state, key as Milestone, location);
        const known = milestones[index];
        if (known) {
          const earliest =
            Date.parse(occurredAt) < Date.parse(known.occurredAt) ? occurredAt : known.occurredAt;
          const reportedBy = known.reportedBy.includes(source)
            ? known.reportedBy
            : [...known.reportedBy, source];
          milestones = milestones
            .map((m, i) => (i === index ? { ...m, occurredAt: earliest, reportedBy } : m))
            .sort(byOccurrence);
        }
      }
      return { ...state, milestones, corroboratingReports: state.corroboratingReports + 1, messageIds };
    }
    case 'ShipmentExceptionRaised': {
      const { exceptionId, code, severity, description, occurredAt } = event.data;
      const known = state.exceptions.get(exceptionId);
      const fact: ExceptionFact = {
        ...known,
        exceptionId,
        code,
        severity,
        ...(description === undefined ? {} : { description }),
        raisedAt: occurredAt,
        status: known?.status ?? 'open',
      };
      return { ...state, exceptions: new Map(state.exceptions).set(exceptionId, fact), messageIds };
    }
    case 'ShipmentExceptionCleared': {
      const { exceptionId, resolution, occurredAt } = event.data;
      const known = state.exceptions.get(exceptionId);
      const fact: ExceptionFact = {
        ...known,
        exceptionId,
        status: 'resolved',
        clearedAt: occurredAt,
        resolution,
      };
      return { ...state, exceptions: new Map(state.exceptions).set(exceptionId, fact), messageIds };
    }
    case 'ShipmentPodReceived': {
      const { podId, signedBy, signatureCaptured, documentRef, remarks, occurredAt, source } = event.data;
      const fact: PodFact = {
        podId,
        signatureCaptured,
        occurredAt,
        source,
        ...(signedBy === undefined ? {} : { signedBy }),
        ...(documentRef === undefined ? {} : { documentRef }),
        ...(remarks === undefined ? {} : { remarks }),
      };
      const current = state.pod;
      const pod = !current
        ? fact
        : current.signatureCaptured !== fact.signatureCaptured
          ? fact.signatureCaptured
            ? fact
            : current
          : Date.parse(fact.occurredAt) >= Date.parse(current.occurredAt)
            ? fact
            : current;
      return { ...state, pod, podIds: new Set(state.podIds).add(podId), messageIds };
    }
    case 'ShipmentTemperatureRecorded': {
      const { minCelsius, maxCelsius, excursion } = event.data;
      const t = state.temperature;
      return {
        ...state,
        temperature: {
          readings: t.readings + 1,
          excursions: t.excursions + (excursion ? 1 : 0),
          lowestCelsius: Math.min(minCelsius, t.lowestCelsius ?? Infinity),
          highestCelsius: Math.max(maxCelsius, t.highestCelsius ?? -Infinity),
        },
        messageIds,
      };
    }
    case 'ShipmentEtaUpdated': {
      const { estimate, estimatedAt, occurredAt, source, carrierId } = event.data;
      const known = state.eta[estimate];
      if (known && Date.parse(occurredAt) < Date.parse(known.occurredAt)) return { ...state, messageIds };
      const fact = {
        estimatedAt,
        occurredAt,
        source,
        ...(carrierId === undefined ? {} : { carrierId }),
        ...sourceTimeOf(event.data),
      };
      return { ...state, eta: { ...state.eta, [estimate]: fact }, messageIds };
    }
    case 'ShipmentAppointmentRecorded': {
      const { appointment, code, reason, appointmentAt, occurredAt, source, carrierId } = event.data;
      const fact = {
        appointment,
        code,
        appointmentAt,
        occurredAt,
        source,
        ...(reason === undefined ? {} : { reason }),
        ...(carrierId === undefined ? {} : { carrierId }),
        ...sourceTimeOf(event.data),
      };
      return { ...state, appointments: inOrder(state.appointments, fact), messageIds };
    }
    case 'ShipmentCarrierInvoiced': {
      const { invoiceNumber, carrierId, currency, lines, total, occurredAt, source, messageId, audit } =
        event.data;
      const fact = {
        invoiceNumber,
        carrierId,
        currency,
        lines,
        total,
        occurredAt,
        source,
        messageId,
        audit,
        ...sourceTimeOf(event.data),
      };
      return {
        ...state,
        carrierInvoices: new Map(state.carrierInvoices).set(invoiceNumber, fact),
        messageIds,
      };
    }
    case 'ShipmentCarrierInvoiceAudited': {
      const { invoiceNumber, audit } = event.data;
      const known = state.carrierInvoices.get(invoiceNumber);
      if (!known) return { ...state, messageIds };
      return {
        ...state,
        carrierInvoices: new Map(state.carrierInvoices).set(invoiceNumber, { ...known, audit }),
        messageIds,
      };
    }
    case 'ShipmentCarrierChargesMismatched':
      return { ...state, messageIds };
  }
}

/** The reference row: the state folded by `referenceEvolve`, the rest as the projection keeps it. */
interface ReferenceEntry {
  shipmentId: string;
  state: ShipmentState;
  recordedHold: RecordedHold | null;
  invoicedAt: string | null;
  lastEventAt: Date | null;
  revision: bigint;
}

function referenceRows(events: readonly StoredEvent[]): Map<string, ReferenceEntry> {
  const rows = new Map<string, ReferenceEntry>();
  for (const stored of events) {
    if (!stored.streamId.startsWith('shipment-')) continue;
    const event = stored as unknown as ShipmentStreamEvent;
    const entry = rows.get(stored.streamId) ?? {
      shipmentId: stored.streamId.slice('shipment-'.length),
      state: { ...initialShipmentState, messageIds: UNTRACKED },
      recordedHold: null,
      invoicedAt: null,
      lastEventAt: null,
      revision: -1n,
    };
    const state = referenceEvolve(entry.state, event);
    let { recordedHold, invoicedAt } = entry;
    if (event.type === 'ShipmentInvoiceReleaseRequested') recordedHold = null;
    if (event.type === 'ShipmentBillingHeld') {
      const { reasons, decidedAt } = event.data;
      const same =
        recordedHold?.reasons.length === reasons.length &&
        reasons.every((r, i) => recordedHold?.reasons[i] === r);
      if (!same) recordedHold = { reasons, since: decidedAt };
    }
    if (event.type === 'ShipmentInvoiced' && invoicedAt === null) {
      const standing = outstandingRelease(state.billing);
      if (standing?.status === 'invoiced' && standing.commandId === event.data.commandId)
        invoicedAt = event.data.occurredAt;
    }
    rows.set(stored.streamId, {
      shipmentId: entry.shipmentId,
      state,
      recordedHold,
      invoicedAt,
      lastEventAt: stored.recordedAt,
      revision: stored.revision,
    });
  }
  return rows;
}

/*
 * The log: simulator days (anomalies included) with what they leave out mixed in: the billing
 * saga's decisions after every event, the ERP's replies, estimates, appointments and carrier
 * invoices, and times written other than as `toISOString` does (offsets, no milliseconds, some
 * not even dates), as upstream systems send them.
 */

const CONTRACTS: CurrentContract[] = [
  { contractId: 'K-1', version: 1, policy: withPolicyDefaults({ billingTrigger: 'delivered' }) },
  {
    contractId: 'K-2',
    version: 1,
    policy: withPolicyDefaults({ billingTrigger: 'pod', requireSignedPod: true }),
  },
];

function otherwiseWritten(iso: string, n: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  switch (n % 9) {
    case 0:
      return iso.replace('.000Z', 'Z');
    case 1: {
      const shifted = new Date(ms + 3_600_000).toISOString();
      return `${shifted.slice(0, 19)}+01:00`;
    }
    case 2:
      return iso.replace('T', 't').replace('Z', 'z');
    case 3:
      return 'not a time';
    case 4:
      return `${iso.slice(0, 8)}31${iso.slice(10)}`;
    case 5:
      return `${iso.slice(0, 11)}24:00:00.000Z`;
    default:
      return iso;
  }
}

function logOf(seed: number): StoredEvent[] {
  const day = shipmentDay({ shipments: 150, seed, anomalies: true, idPrefix: `F${seed}` });
  const log: StoredEvent[] = [];
  let commit = 0;
  const record = (streamId: string, revision: number, event: { type: string; data: unknown }) =>
    log.push({
      ...event,
      streamId,
      revision: BigInt(revision),
      recordedAt: new Date(1_790_000_000_000 + commit++ * 1000),
    });
  CONTRACTS.forEach((contract, i) =>
    record(contractStreamId(`C-${i}`), 0, {
      type: 'ContractPolicyRecorded',
      data: {
        messageId: `k-${i}`,
        source: 'test',
        occurredAt: '2026-11-26T00:00:00.000Z',
        receivedAt: '2026-11-26T00:00:00.000Z',
        customerId: `C-${i}`,
        ...contract,
      },
    }),
  );
  let n = 0;
  for (const [shipmentId, events] of expectedOutcome(day).streams) {
    const streamId = shipmentStreamId(shipmentId);
    const contract = CONTRACTS[n % CONTRACTS.length]!;
    let state = { ...initialShipmentState, messageIds: UNTRACKED } as ShipmentState;
    let revision = 0;
    const append = (event: ShipmentStreamEvent) => {
      record(streamId, revision++, event);
      state = referenceEvolve(state, event);
    };
    for (const original of events) {
      n++;
      const data = original.data as unknown as Record<string, unknown>;
      const occurredAt = typeof data.occurredAt === 'string' ? data.occurredAt : '2026-11-26T06:00:00.000Z';
      const written = n % 4 === 0 ? otherwiseWritten(occurredAt, n / 4) : occurredAt;
      const event = {
        type: original.type,
        data: { ...data, occurredAt: written, receivedAt: occurredAt },
      } as unknown as ShipmentEvent;
      append(event);
      const report = { messageId: `x-${n}`, source: 'carrier:TEST', receivedAt: occurredAt };
      if (n % 5 === 0)
        append({
          type: 'ShipmentEtaUpdated',
          data: {
            ...report,
            occurredAt: otherwiseWritten(occurredAt, n),
            estimate: n % 2 ? 'delivery' : 'pickup',
            estimatedAt: occurredAt,
            ...(n % 3 ? { carrierId: 'UPSN', timeZoneGuessed: true } : {}),
          },
        });
      if (n % 7 === 0)
        append({
          type: 'ShipmentAppointmentRecorded',
          data: {
            ...report,
            occurredAt: otherwiseWritten(occurredAt, n + 1),
            appointment: 'delivery',
            code: 'AA',
            appointmentAt: occurredAt,
            ...(n % 2 ? { reason: 'NS', sourceTimeCode: 'LT' } : {}),
          },
        });
      if (n % 11 === 0) {
        const invoiceNumber = `INV-${n % 22}`;
        const audit = { result: 'unaudited', reason: 'not_booked' } as const;
        append({
          type: 'ShipmentCarrierInvoiced',
          data: {
            ...report,
            occurredAt,
            invoiceNumber,
            carrierId: 'UPSN',
            currency: 'EUR',
            lines: [{ code: 'FRT', description: 'Linehaul', amount: '420.00' }],
            total: '420.00',
            audit,
          },
        });
        append({
          type: 'ShipmentCarrierInvoiceAudited',
          data: {
            ...report,
            messageId: `y-${n}`,
            occurredAt,
            invoiceNumber: n % 2 ? invoiceNumber : 'INV-none',
            audit: {
              result: 'matched',
              invoicedTotal: '420.00',
              invoicedCurrency: 'EUR',
              bookedTotal: '420.00',
              bookedCurrency: 'EUR',
            },
          },
        });
      }
      for (const decision of decideBilling(state, contract, {
        shipmentId,
        now: occurredAt,
        causationEventId: `e-${n}`,
      })) {
        append(decision);
        if (decision.type === 'ShipmentInvoiceReleaseRequested' && n % 3 !== 0)
          append({
            type: n % 3 === 1 ? 'ShipmentInvoiced' : 'ShipmentInvoiceRejected',
            data: {
              messageId: `erp-${n}`,
              source: 'erp:sap',
              occurredAt,
              receivedAt: occurredAt,
              commandId: decision.data.commandId,
              invoiceNumber: `ERP-${n}`,
              reason: 'No',
            },
          } as ShipmentStreamEvent);
      }
    }
  }
  return log;
}

const FOLDED_TYPES = [
  'ShipmentReportCorroborated',
  'ShipmentEtaUpdated',
  'ShipmentAppointmentRecorded',
  'ShipmentCarrierInvoiceAudited',
  'ShipmentBillingHeld',
  'ShipmentInvoiceReleaseRequested',
  'ShipmentInvoiced',
  'ShipmentInvoiceRejected',
  'ShipmentServiceCaseRequested',
];

/** JSON with the key order kept and `Map`, `Set`, `bigint` and `Date` spelled out. */
function text(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Map) return { Map: [...v] };
    if (v instanceof Set) return { Set: [...v] };
    if (typeof v === 'bigint') return `${v}n`;
    return v;
  });
}

describe('billable-shipments fold against the reference fold', () => {
  it.each([1001, 1002, 1003, 2026, 77])(
    'simulator day, seed %i: same states, same rows, same lines',
    (seed) => {
      const log = logOf(seed);
      const rows = project(billableShipmentsProjection, log);
      const reference = referenceRows(log);
      expect(reference.size).toBeGreaterThan(100);
      const types = [...new Set(log.map((event) => event.type))];
      expect(types).toEqual(expect.arrayContaining([...FOLDED_TYPES]));
      for (const [streamId, expected] of reference) {
        const row = rows.get(`shipment:${streamId.slice('shipment-'.length)}`);
        if (row?.kind !== 'shipment') throw new Error(`no row for ${streamId}`);
        expect(text(row.state)).toBe(text(expected.state));
        expect(text([row.recordedHold, row.invoicedAt, row.lastEventAt, row.revision])).toBe(
          text([expected.recordedHold, expected.invoicedAt, expected.lastEventAt, expected.revision]),
        );
        expect(text(row)).toBe(text({ kind: 'shipment', ...expected }));
      }
      const referenceLines = new Map<string, BillableShipmentsRow>(
        [...rows].filter(([, row]) => row.kind === 'contract'),
      );
      for (const [streamId, expected] of reference)
        referenceLines.set(streamId, { kind: 'shipment', ...expected });
      expect(text(billableShipments(rows))).toBe(text(billableShipments(referenceLines)));
    },
  );
});
