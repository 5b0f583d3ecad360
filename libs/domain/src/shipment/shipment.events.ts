import type { ShipmentCommand } from './shipment.commands';
import type { Booking, Milestone, Report } from './shipment.types';

type DataOf<T extends ShipmentCommand['type']> = Extract<ShipmentCommand, { type: T }>['data'];

/** Why a report was recorded but not applied to the shipment's state. */
export type MilestoneRejection =
  /** The movement happened after the shipment was returned or cancelled. */
  | 'after_terminal'
  /** A delivered (or returned) shipment cannot be cancelled. */
  | 'cancel_after_delivery';

/** What a corroborating report confirms. */
export type CorroboratedFact = 'booking' | 'milestone' | 'exception' | 'exception_cleared' | 'pod';

/**
 * The shipment's events. The `type` strings are stored in the event log and are a contract:
 * never rename one, never derive it from a class name.
 */
export type ShipmentEvent =
  | { readonly type: 'ShipmentBooked'; readonly data: Report & Booking }
  | { readonly type: 'ShipmentBookingRevised'; readonly data: Report & Booking }
  | {
      readonly type: 'ShipmentMilestoneRecorded';
      readonly data: DataOf<'RecordMilestone'> & {
        /** An earlier-occurring report arriving after a later one (normal for carriers). */
        readonly outOfOrder: boolean;
      };
    }
  | {
      readonly type: 'ShipmentMilestoneRejected';
      readonly data: DataOf<'RecordMilestone'> & { readonly reason: MilestoneRejection };
    }
  | {
      readonly type: 'ShipmentReportCorroborated';
      readonly data: Report & {
        readonly fact: CorroboratedFact;
        /** The milestone, exceptionId or podId confirmed; the orderId for a booking. */
        readonly key: string;
        /** For an `in_transit` milestone, the hub it confirms. */
        readonly location?: string;
      };
    }
  | { readonly type: 'ShipmentExceptionRaised'; readonly data: DataOf<'RaiseException'> }
  | { readonly type: 'ShipmentExceptionCleared'; readonly data: DataOf<'ClearException'> }
  | { readonly type: 'ShipmentPodReceived'; readonly data: DataOf<'RecordPod'> }
  | {
      readonly type: 'ShipmentTemperatureRecorded';
      readonly data: DataOf<'RecordTemperature'> & { readonly excursion: boolean };
    };

export type ShipmentEventType = ShipmentEvent['type'];

export const SHIPMENT_EVENT_TYPES: readonly ShipmentEventType[] = [
  'ShipmentBooked',
  'ShipmentBookingRevised',
  'ShipmentMilestoneRecorded',
  'ShipmentMilestoneRejected',
  'ShipmentReportCorroborated',
  'ShipmentExceptionRaised',
  'ShipmentExceptionCleared',
  'ShipmentPodReceived',
  'ShipmentTemperatureRecorded',
];

export function isShipmentEvent(event: { type: string }): event is ShipmentEvent {
  return (SHIPMENT_EVENT_TYPES as readonly string[]).includes(event.type);
}

export type { Milestone };
