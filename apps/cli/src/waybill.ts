#!/usr/bin/env node
/**
 * `waybill`: the command line of engineers and auditors. Everything but `verify` goes through the
 * HTTP API (so it needs `WAYBILL_API_KEY`, and sees exactly what the API shows); `verify` folds
 * the event log itself and needs `DATABASE_URL` (and `EVENT_STORE`/`EVENTSTORE_URL`).
 *
 *   waybill projections                        status, checkpoint and lag of every read model
 *   waybill rebuild <projection> [--dry-run]   rebuild with a progress bar, then the diff report
 *   waybill history <shipmentId>               the shipment's events, in order
 *   waybill state <shipmentId> [--as-of <t>]   the shipment as Waybill knew it then
 *   waybill verify [<projection>]              fold every stream afresh, compare with the read models
 */
import { createEventStore } from '@waybill/event-store';
import { loadConfig, openPool } from '@waybill/platform';
import { READ_MODELS, readModelNamed, verifyReadModel } from '@waybill/read-models';

const USAGE = `usage: waybill <command>
  projections                        status, checkpoint and lag of every read model
  rebuild <projection> [--dry-run]   rebuild a read model (progress bar, then the diff report)
  history <shipmentId>               the shipment's events, in order
  state <shipmentId> [--as-of <t>]   the shipment's state, as Waybill knew it at <t> (RFC 3339)
  verify [<projection>]              fold the log afresh and compare with the stored read models

environment: WAYBILL_API_URL (default http://127.0.0.1:$PORT), WAYBILL_API_KEY (an admin key for
projections and rebuild, auditor for history), DATABASE_URL and EVENT_STORE for verify.`;

class CliError extends Error {}

function apiBase(): string {
  return process.env.WAYBILL_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
}

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const key = process.env.WAYBILL_API_KEY;
  if (!key) throw new CliError('WAYBILL_API_KEY is not set: this command goes through the API');
  const response = await fetch(`${apiBase()}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: unknown) => {
    throw new CliError(`cannot reach the API at ${apiBase()}: ${(error as Error).message}`);
  });
  const text = await response.text();
  const parsed = text.length > 0 ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) {
    const problem = parsed as { title?: string; detail?: string } | null;
    throw new CliError(`${response.status} ${problem?.title ?? ''}: ${problem?.detail ?? text}`);
  }
  return parsed as T;
}

interface RebuildView {
  rebuildId: string;
  status: string;
  swapped?: boolean;
  error?: string | null;
  progress?: {
    eventsApplied: number;
    progress: number | null;
    eventsPerSecond: number;
    etaSeconds: number | null;
  } | null;
  diff?: {
    changedCount: number;
    changed: {
      key: string;
      before: { status: string; amount: string | null } | null;
      after: { status: string; amount: string | null } | null;
    }[];
    countsBefore: Record<string, number>;
    countsAfter: Record<string, number>;
  } | null;
}

const FINISHED = new Set(['swapped', 'dry_run_complete', 'failed']);

/** `[#######.............]  35%  12,345 events  9,876 ev/s  ETA 14 s` */
export function progressBar(view: RebuildView, width = 30): string {
  const p = view.progress;
  const fraction = p?.progress ?? null;
  const filled = fraction === null ? 0 : Math.round(fraction * width);
  const bar = fraction === null ? '?'.repeat(width) : '#'.repeat(filled) + '.'.repeat(width - filled);
  const percent = fraction === null ? '  ?%' : `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const applied = (p?.eventsApplied ?? 0).toLocaleString('en-US');
  const rate = (p?.eventsPerSecond ?? 0).toLocaleString('en-US');
  const eta = p?.etaSeconds == null ? '?' : `${p.etaSeconds} s`;
  return `[${bar}] ${percent}  ${applied} events  ${rate} ev/s  ETA ${eta}  (${view.status})`;
}

async function rebuild(name: string, dryRun: boolean): Promise<number> {
  const { rebuildId } = await api<{ rebuildId: string }>(
    'POST',
    `/v1/projections/${encodeURIComponent(name)}/rebuild`,
    {
      dryRun,
    },
  );
  process.stderr.write(`rebuild ${rebuildId} of ${name}${dryRun ? ' (dry run)' : ''} requested\n`);
  const tty = process.stderr.isTTY;
  let view: RebuildView;
  for (;;) {
    view = await api<RebuildView>('GET', `/v1/projections/${encodeURIComponent(name)}/rebuilds/${rebuildId}`);
    process.stderr.write(tty ? `\r${progressBar(view)}` : `${progressBar(view)}\n`);
    if (FINISHED.has(view.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (tty) process.stderr.write('\n');
  if (view.status === 'failed') {
    console.error(`rebuild failed: ${view.error ?? 'no reason given'}`);
    return 1;
  }
  const diff = view.diff;
  if (diff) {
    const statuses = [
      ...new Set([...Object.keys(diff.countsBefore), ...Object.keys(diff.countsAfter)]),
    ].sort();
    console.log(`${diff.changedCount} entries change status or amount`);
    console.log('status'.padEnd(20) + 'before'.padStart(10) + 'after'.padStart(10));
    for (const status of statuses) {
      console.log(
        status.padEnd(20) +
          String(diff.countsBefore[status] ?? 0).padStart(10) +
          String(diff.countsAfter[status] ?? 0).padStart(10),
      );
    }
    for (const line of diff.changed.slice(0, 20)) {
      const side = (s: { status: string; amount: string | null } | null) =>
        s === null ? '(absent)' : `${s.status}${s.amount === null ? '' : ` ${s.amount}`}`;
      console.log(`  ${line.key}: ${side(line.before)} -> ${side(line.after)}`);
    }
    if (diff.changedCount > 20)
      console.log(`  … and ${diff.changedCount - 20} more (GET the rebuild for the first 1000)`);
  }
  console.log(view.status === 'swapped' ? 'swapped in' : 'dry run: nothing swapped');
  return 0;
}

async function verify(name?: string): Promise<number> {
  const definitions =
    name === undefined ? READ_MODELS : [readModelNamed(name)].filter((d) => d !== undefined);
  if (definitions.length === 0) throw new CliError(`no read model named ${name}`);
  const config = loadConfig();
  const pool = await openPool(config.databaseUrl);
  const store = await createEventStore(config, pool);
  let failed = 0;
  try {
    for (const definition of definitions) {
      const result = await verifyReadModel(pool, store, definition);
      console.log(
        `${result.ok ? 'OK  ' : 'FAIL'} ${result.projection}: ${result.rows} rows, ${result.eventsFolded} events folded up to ${result.checkpoint ?? 'the start'}` +
          (result.ok
            ? ''
            : `; ${result.mismatchCount} rows differ: ${result.mismatches.slice(0, 10).join(', ')}`),
      );
      if (!result.ok) failed++;
    }
  } finally {
    await store.close();
    await pool.end();
  }
  return failed === 0 ? 0 : 2;
}

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  const positional = rest.filter((a, i) => !a.startsWith('--') && !(i > 0 && rest[i - 1] === '--as-of'));
  switch (command) {
    case 'projections': {
      const { items } = await api<{ items: Record<string, unknown>[] }>('GET', '/v1/projections');
      console.table(
        items.map((p) => ({
          name: p.name,
          status: p.status,
          checkpoint: p.checkpoint,
          lagEvents: p.lagEvents,
          lagSeconds: p.lagSeconds,
          rebuild: p.rebuild ? JSON.stringify(p.rebuild) : '',
        })),
      );
      return 0;
    }
    case 'rebuild': {
      const name = positional[0];
      if (!name) throw new CliError('rebuild needs a projection name (see `waybill projections`)');
      return rebuild(name, rest.includes('--dry-run'));
    }
    case 'history': {
      const id = positional[0];
      if (!id) throw new CliError('history needs a shipmentId');
      let cursor: string | null = null;
      do {
        const query: string = `?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page: { items: Record<string, unknown>[]; nextCursor: string | null } = await api(
          'GET',
          `/v1/shipments/${encodeURIComponent(id)}/events${query}`,
        );
        for (const e of page.items) {
          console.log(
            `${String(e.revision).padStart(4)}  ${String(e.recordedAt)}  ${String(e.type).padEnd(34)} ${JSON.stringify(e.data)}`,
          );
        }
        cursor = page.nextCursor;
      } while (cursor);
      return 0;
    }
    case 'state': {
      const id = positional[0];
      if (!id) throw new CliError('state needs a shipmentId');
      const asOf = option(rest, '--as-of');
      const query = asOf === undefined ? '' : `?asOf=${encodeURIComponent(asOf)}`;
      console.log(
        JSON.stringify(await api('GET', `/v1/shipments/${encodeURIComponent(id)}${query}`), null, 2),
      );
      return 0;
    }
    case 'verify':
      return verify(positional[0]);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 64 : 0;
    default:
      throw new CliError(`unknown command ${command}\n${USAGE}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof CliError ? error.message : error);
      process.exit(error instanceof CliError ? 64 : 1);
    },
  );
}
