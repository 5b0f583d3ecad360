import type { AddressInfo } from 'node:net';
import { shipmentStreamId } from '@waybill/domain';
import { Rebuilds } from '@waybill/read-models';
import {
  booked,
  milestone,
  recorded,
  startApiHarness,
  type ApiHarness,
} from '../../api/src/testing/api-harness';
import { main } from './waybill';

describe('waybill CLI against a running API', () => {
  let harness: ApiHarness;
  let output: string[];
  /** A moment after the booking was recorded and before the delivery was. */
  let bookedOnly: string;
  const env = { ...process.env };

  beforeAll(async () => {
    harness = await startApiHarness();
    await harness.app.listen(0, '127.0.0.1');
    const { port } = harness.server.address() as AddressInfo;
    process.env.WAYBILL_API_URL = `http://127.0.0.1:${port}`;
    process.env.WAYBILL_API_KEY = harness.keys.admin;
    await harness.eventStore.appendToStream(
      shipmentStreamId('SHP-CLI-1'),
      [recorded(booked('cli-1', '2026-11-26T08:00:00Z'))],
      'no_stream',
    );
    await new Promise((r) => setTimeout(r, 20));
    bookedOnly = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await harness.eventStore.appendToStream(
      shipmentStreamId('SHP-CLI-1'),
      [recorded(milestone('cli-2', '2026-11-26T12:00:00Z', 'delivered'))],
      0n,
    );
  });

  beforeEach(() => {
    output = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void output.push(args.join(' ')));
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    process.env = env;
    await harness.close();
  });

  it('when an engineer asks for a dry-run rebuild, then the CLI follows it to the end and prints the diff, swapping nothing', async () => {
    // The test stands in for the processor that runs requested rebuilds.
    const worker = new Rebuilds({
      pool: harness.pool,
      store: harness.eventStore,
      schema: harness.readModelsSchema,
    });
    let stop = false;
    const working = (async () => {
      while (!stop) if (!(await worker.runNext())) await new Promise((r) => setTimeout(r, 50));
    })();
    const code = await main(['rebuild', 'billable-shipments', '--dry-run']);
    stop = true;
    await working;
    expect(code).toBe(0);
    expect(output).toContain('1 entries change status or amount');
    expect(output.some((line) => /^ {2}SHP-CLI-1: \(absent\) -> \w+/.test(line))).toBe(true);
    expect(output.at(-1)).toBe('dry run: nothing swapped');
  });

  it('when an auditor asks for a history and an as-of state, then they come from the log through the API', async () => {
    expect(await main(['history', 'SHP-CLI-1'])).toBe(0);
    expect(output).toHaveLength(2);
    expect(output[0]).toMatch(/^ {3}0 {2}\S+ {2}ShipmentBooked/);
    expect(output[1]).toMatch(/^ {3}1 {2}\S+ {2}ShipmentMilestoneRecorded/);

    expect(await main(['state', 'SHP-CLI-1'])).toBe(0);
    expect(JSON.parse(output[2]!)).toMatchObject({
      shipmentId: 'SHP-CLI-1',
      status: 'delivered',
      revision: 1,
    });
    expect(await main(['state', 'SHP-CLI-1', '--as-of', bookedOnly])).toBe(0);
    expect(JSON.parse(output[3]!)).toMatchObject({ shipmentId: 'SHP-CLI-1', status: 'booked', revision: 0 });
  });

  it('when the command or the key is wrong, then it says so instead of failing silently', async () => {
    await expect(main(['rebuild'])).rejects.toThrow('rebuild needs a projection name');
    await expect(main(['frobnicate'])).rejects.toThrow('unknown command frobnicate');
    process.env.WAYBILL_API_KEY = harness.keys.reader;
    await expect(main(['projections'])).rejects.toThrow(/^403/);
    process.env.WAYBILL_API_KEY = harness.keys.admin;
    expect(await main(['projections'])).toBe(0);
  });
});
