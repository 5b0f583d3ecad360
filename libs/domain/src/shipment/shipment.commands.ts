import type { Booking, ExceptionCode, Milestone, Report, Severity } from './shipment.types';

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
    };

export type ShipmentCommandType = ShipmentCommand['type'];
