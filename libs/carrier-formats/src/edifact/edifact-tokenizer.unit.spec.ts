import { tokenizeEdifact } from './edifact-tokenizer';

const shape = (input: string): unknown => {
  const result = tokenizeEdifact(input);
  return result.ok ? result.segments.map((s) => [s.tag, ...s.elements.map((e) => e.join(':'))]) : result;
};

describe('tokenizeEdifact', () => {
  it('when the UNA declares other delimiters, then segments split on them and the release character escapes', () => {
    expect(shape("UNA^|.! ~UNB|UNOC^3|S|R~FTX|AAA|||It's 5!|6 !~ ok!!~")).toStrictEqual([
      ['UNB', 'UNOC:3', 'S', 'R'],
      ['FTX', 'AAA', '', '', "It's 5|6 ~ ok!"],
    ]);
  });

  it('when there is no UNA, a byte order mark, line breaks between segments and no final terminator, then the defaults apply with a warning', () => {
    const result = tokenizeEdifact("\uFEFFUNB+UNOC:3+S+R'\r\nUNH+1+IFTSTA:D:96A:UN'\n  UNT+2+1");
    expect(result).toStrictEqual({
      ok: true,
      delimiters: { component: ':', element: '+', decimal: '.', release: '?', reserved: ' ', segment: "'" },
      segments: [
        { tag: 'UNB', elements: [['UNOC', '3'], ['S'], ['R']], position: 1 },
        { tag: 'UNH', elements: [['1'], ['IFTSTA', 'D', '96A', 'UN']], position: 2 },
        { tag: 'UNT', elements: [['2'], ['1']], position: 3 },
      ],
      warnings: ['segment 3 (UNT) has no segment terminator'],
    });
  });

  it('when a syntax 4 UNA has a repetition separator, then it is accepted and the character kept as data', () => {
    expect(shape("UNA:+.?*'UNB+UNOC:4+S*X+R'")).toStrictEqual([['UNB', 'UNOC:4', 'S*X', 'R']]);
  });

  it('when the input ends with a release character, then tokenizing fails', () => {
    expect(tokenizeEdifact('UNB+UNOC:3+S?')).toStrictEqual({
      ok: false,
      position: 1,
      explanation: 'release character at the end of the input',
    });
  });
});
