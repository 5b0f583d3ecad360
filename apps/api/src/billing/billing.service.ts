import { Inject, Injectable } from '@nestjs/common';
import type { BillableShipment } from '@waybill/projections';
import { readBillableShipments } from '@waybill/read-models';
import type { Pool } from 'pg';
import { PG_POOL, READ_MODELS_SCHEMA_NAME } from '../api.tokens';
import { decodeCursor, type Page, toPage } from '../http/cursor';
import { fromReadModel, isTextKey } from '../http/read-model';
import type { BillableShipmentDto, BillingShipmentsQueryDto } from './billing.dto';

const BILLING_CURSOR = 'billing-shipments';

@Injectable()
export class BillingService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(READ_MODELS_SCHEMA_NAME) private readonly schema: string,
  ) {}

  async list(query: BillingShipmentsQueryDto): Promise<Page<BillableShipmentDto>> {
    const after =
      query.cursor === undefined ? undefined : decodeCursor(BILLING_CURSOR, query.cursor, isTextKey);
    const lines = await fromReadModel('billable-shipments', () =>
      readBillableShipments(this.pool, this.schema, {
        limit: query.limit + 1,
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.customerId === undefined ? {} : { customerId: query.customerId }),
        ...(query.carrierId === undefined ? {} : { carrierId: query.carrierId }),
        ...(after === undefined ? {} : { afterShipmentId: after }),
      }),
    );
    return toPage(lines, query.limit, BILLING_CURSOR, (line) => line.shipmentId, toBillableShipmentDto);
  }
}

/** The line as JSON: the revision a number (a stream's revision stays far below 2^53), times ISO. */
export function toBillableShipmentDto(line: BillableShipment): BillableShipmentDto {
  return {
    shipmentId: line.shipmentId,
    customerId: line.customerId,
    carrierId: line.carrierId,
    orderId: line.orderId,
    status: line.status,
    reasons: [...line.reasons],
    contractId: line.contractId,
    policyVersion: line.policyVersion,
    amount: line.amount,
    currency: line.currency,
    deliveredAt: line.deliveredAt,
    holdSince: line.holdSince,
    releaseRequestedAt: line.releaseRequestedAt,
    invoicedAt: line.invoicedAt,
    invoiceNumber: line.invoiceNumber,
    lastEventAt: line.lastEventAt?.toISOString() ?? null,
    revision: Number(line.revision),
  };
}
