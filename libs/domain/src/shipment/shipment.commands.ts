import type {
  AppointmentKind,
  Booking,
  ChargeLine,
  Estimate,
  ExceptionCode,
  Milestone,
  Report,
  Severity,
  SourceTime,
} from './shipment.types';

/**
 * Commands are the canonical ingest messages after validation at the edge. Time and ids come in
 * through them (`occurredAt`, `receivedAt`, `messageId`); the domain never reads a clock.
 */
export type ShipmentCommand =
  | { readonly type: 'RecordBooking'; readonly data: Report & Booking }
  | {
      readonly type: 'RecordMilestone';
      readonly data: Report & {
        readonly milestone: Milestone;
        readonly location?: string;
        readonly carrierId?: string;
      };
    }
  | {
      readonly type: 'RaiseException';
      readonly data: Report & {
        readonly exceptionId: string;
        readonly code: ExceptionCode;
        readonly severity: Severity;
        readonly description?: string;
      };
    }
  | {
      readonly type: 'ClearException';
      readonly data: Report & { readonly exceptionId: string; readonly resolution: string };
    }
  | {
      readonly type: 'RecordPod';
      readonly data: Report & {
        readonly podId: string;
        readonly signedBy?: string;
        readonly signatureCaptured: boolean;
        readonly documentRef?: string;
        readonly remarks?: string;
      };
    }
  | {
      readonly type: 'RecordTemperature';
      readonly data: Report & {
        readonly minCelsius: number;
        readonly maxCelsius: number;
        readonly allowedMinCelsius: number;
        readonly allowedMaxCelsius: number;
      };
    }
  /** `shipment.eta` (addition to contract v1): an estimate, never a milestone. */
  | {
      readonly type: 'RecordEta';
      readonly data: Report &
        SourceTime & {
          readonly estimate: Estimate;
          readonly estimatedAt: string;
          readonly carrierId?: string;
        };
    }
  /** `shipment.appointment` (addition to contract v1): a pick-up or delivery appointment. */
  | {
      readonly type: 'RecordAppointment';
      readonly data: Report &
        SourceTime & {
          readonly appointment: AppointmentKind;
          /** The source's appointment status code, e.g. X12 AT7-03 `AA`. */
          readonly code: string;
          readonly reason?: string;
          readonly appointmentAt: string;
          readonly carrierId?: string;
        };
    }
  /** `shipment.carrier-invoice` (addition to contract v1): the carrier's freight invoice (X12 210). */
  | {
      readonly type: 'RecordCarrierInvoice';
      readonly data: Report &
        SourceTime & {
          readonly invoiceNumber: string;
          readonly carrierId: string;
          readonly currency: string;
          readonly lines: readonly ChargeLine[];
          /** Decimal string: what the carrier asks for in all. */
          readonly total: string;
        };
    };

export type ShipmentCommandType = ShipmentCommand['type'];
