/** Builds small X12 interchanges for unit tests, with a correctly padded 106-character ISA. */
export interface InterchangeOptions {
  readonly sender?: string;
  readonly control?: string;
  readonly group?: string;
  readonly functionalId?: string;
  readonly element?: string;
  readonly terminator?: string;
}

/** One interchange, one group, one transaction set holding `body` (segments written with `*`). */
export function interchange(
  setId: string,
  body: readonly string[],
  options: InterchangeOptions = {},
): string {
  const e = options.element ?? '*';
  const t = options.terminator ?? '~\n';
  const sender = options.sender ?? 'ABCD';
  const control = options.control ?? '000000001';
  const group = options.group ?? '1';
  const isa = [
    'ISA',
    '00',
    ' '.repeat(10),
    '00',
    ' '.repeat(10),
    'ZZ',
    sender.padEnd(15, ' '),
    'ZZ',
    'WAYBILL'.padEnd(15, ' '),
    '240312',
    '1430',
    'U',
    '00401',
    control,
    '0',
    'P',
    '>',
  ].join(e);
  const segments = [
    isa,
    [
      'GS',
      options.functionalId ?? (setId === '210' ? 'IM' : 'QM'),
      sender,
      'WAYBILL',
      '20240312',
      '1430',
      group,
      'X',
      '004010',
    ].join(e),
    ['ST', setId, '0001'].join(e),
    ...body.map((s) => s.split('*').join(e)),
    ['SE', String(body.length + 2), '0001'].join(e),
    ['GE', '1', group].join(e),
    ['IEA', '1', control].join(e),
  ];
  return segments.map((s) => s + t).join('');
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
