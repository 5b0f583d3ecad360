import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Param, Put, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { BillingPolicyInput } from '@waybill/domain';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { RequiresRole } from '../auth/requires-role.decorator';
import { ApiError, ApiErrorCode } from '../problems/api-error';
import { ApiProblems } from '../problems/problem.dto';
import { type BillingPolicyDto, ContractParams, ContractViewDto, PutContractDto } from './contracts.dto';
import { type ContractBody, ContractsService } from './contracts.service';

/** Contract v1 §2: a `messageId` is 1–128 characters; the Idempotency-Key stands in for one. */
const MAX_HEADER_ID_LENGTH = 128;

@ApiTags('contracts')
@Controller('v1/contracts')
export class ContractsController {
  constructor(private readonly contracts: ContractsService) {}

  @Get(':customerId')
  @RequiresRole('reader')
  @ApiOperation({ summary: "A customer's current contract and billing policy, with every version" })
  @ApiOkResponse({ type: ContractViewDto })
  @ApiProblems(400, 404)
  async get(@Param() params: ContractParams): Promise<ContractBody> {
    return this.contracts.view(params.customerId);
  }

  @Put(':customerId')
  @HttpCode(200)
  @RequiresRole('admin')
  @ApiOperation({
    summary: "Record a customer's contract and billing policy",
    description:
      'A different contract id or policy (after defaults) is the next version; the current one stated again ' +
      'is recorded as a corroboration and makes no version. A PUT repeated with the same `Idempotency-Key` ' +
      'records nothing; with the same key but another body it is a 409. Answers like the GET.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1–128 characters; becomes the messageId of the recorded events',
  })
  @ApiHeader({
    name: 'X-Correlation-Id',
    required: false,
    description: '1–128 characters; generated when absent',
  })
  @ApiOkResponse({ type: ContractViewDto })
  @ApiProblems(400, 409, 503)
  async put(
    @Param() params: ContractParams,
    @Body() body: PutContractDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @Req() request: AuthenticatedRequest,
  ): Promise<ContractBody> {
    return this.contracts.record(params.customerId, body.contractId, toPolicyInput(body.policy), {
      messageId: headerId('Idempotency-Key', idempotencyKey) ?? randomUUID(),
      correlationId: headerId('X-Correlation-Id', correlationId) ?? randomUUID(),
      source: `api:${request.waybillRole ?? 'admin'}`,
    });
  }
}

function headerId(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > MAX_HEADER_ID_LENGTH) {
    const message = `${name} must be 1-${MAX_HEADER_ID_LENGTH} characters`;
    throw new ApiError(ApiErrorCode.InvalidRequest, message, {
      extensions: { errors: [{ field: name, messages: [message] }] },
    });
  }
  return value;
}

/** Only what the client stated: a requirement left out takes its default in the domain. */
function toPolicyInput(policy: BillingPolicyDto): BillingPolicyInput {
  const { billingTrigger, requireSignedPod, requireTemperatureCompliance, requireExceptionsCleared } = policy;
  return {
    billingTrigger,
    ...(requireSignedPod === undefined ? {} : { requireSignedPod }),
    ...(requireTemperatureCompliance === undefined ? {} : { requireTemperatureCompliance }),
    ...(requireExceptionsCleared === undefined ? {} : { requireExceptionsCleared }),
    ...(policy.podGraceHours === undefined ? {} : { podGraceHours: policy.podGraceHours }),
  };
}
