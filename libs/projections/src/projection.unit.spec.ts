import { project, type EventLike, type EventMeta, type Projection, type StoredEvent } from './projection';

type Counted = { readonly type: 'Counted'; readonly data: { readonly by: number } };
interface Tally {
  readonly key: string;
  readonly total: number;
  readonly seen: readonly EventMeta[];
}

const tally: Projection<Tally, Counted> = {
  name: 'tally',
  version: 1,
  handles: (event: EventLike): event is Counted => event.type === 'Counted',
  keyOf: (_event, streamId) => (streamId.startsWith('tally-') ? streamId.slice('tally-'.length) : null),
  init: (key) => ({ key, total: 0, seen: [] }),
  apply: (row, event, meta) => ({ ...row, total: row.total + event.data.by, seen: [...row.seen, meta] }),
};

const at = new Date('2026-11-21T08:00:00Z');
const stored = (streamId: string, revision: bigint, type: string, by: number): StoredEvent => ({
  type,
  data: { by },
  streamId,
  revision,
  recordedAt: at,
});

describe('project', () => {
  it('when events of several keys are folded, then each key gets its own row from init', () => {
    const rows = project(tally, [
      stored('tally-a', 0n, 'Counted', 2),
      stored('tally-b', 0n, 'Counted', 5),
      stored('tally-a', 1n, 'Counted', 3),
    ]);
    expect(rows.get('a')?.total).toBe(5);
    expect(rows.get('b')?.total).toBe(5);
    expect(rows.size).toBe(2);
  });

  it('when an event is applied, then apply gets its stream, revision and recording time', () => {
    const rows = project(tally, [stored('tally-a', 7n, 'Counted', 1)]);
    expect(rows.get('a')?.seen).toEqual([{ streamId: 'tally-a', revision: 7n, recordedAt: at }]);
  });

  it('when an event is not handled or belongs to no row, then it is skipped', () => {
    const rows = project(tally, [stored('tally-a', 0n, 'Reset', 0), stored('other-a', 0n, 'Counted', 4)]);
    expect(rows.size).toBe(0);
  });

  it('when rows so far are given, then they are continued and the given map is left unchanged', () => {
    const before = project(tally, [stored('tally-a', 0n, 'Counted', 1)]);
    const after = project(tally, [stored('tally-a', 1n, 'Counted', 1)], before);
    expect(after.get('a')?.total).toBe(2);
    expect(before.get('a')?.total).toBe(1);
  });
});
