export { translateX12 } from './x12-translator';
export { x12Amount, X12_UNSPECIFIED_CHARGE_CODE } from './x12-210';
export {
  X12_APPOINTMENT_MAPPING,
  X12_REASON_MAPPING,
  X12_REFERENCE_QUALIFIERS,
  X12_REGION_TIME_ZONES,
  X12_STATUS_MAPPING,
  X12_TIME_CODE_MAPPING,
  type X12ReasonMapping,
  type X12ReferenceField,
  type X12StatusMapping,
  type X12TimeCodeMapping,
} from './x12-mapping';
export {
  X12_APPOINTMENT_STATUS_CODES,
  X12_SHIPMENT_STATUS_CODES,
  X12_STATUS_REASON_CODES,
  X12_TIME_CODES,
} from './x12-code-lists';
export { X12_SPECIAL_CHARGE_CODES } from './x12-special-charge-codes';
