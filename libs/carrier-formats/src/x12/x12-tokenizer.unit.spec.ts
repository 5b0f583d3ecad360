import { translateX12 } from './index';
import { bytes, interchange } from './x12-interchange.fixtures';
import { tokenizeX12 } from './x12-tokenizer';

const receivedAt = new Date('2024-03-16T12:00:00.000Z');
const body = ['B10*PRO1**ABCD', 'LX*1', 'AT7*D1*NS***20240313*1200*UT'];

function segmentIds(text: string): string[][] {
  return tokenizeX12(bytes(text)).interchanges.flatMap((i) =>
    i.groups.flatMap((g) => g.transactions.map((t) => t.segments.map((s) => s.elements.join('|')))),
  );
}

describe('X12 tokenizer: delimiters come from the ISA segment', () => {
  it('when segments end with ~ and a newline, then the newline is not part of the next segment', () => {
    expect(segmentIds(interchange('214', body, { terminator: '~\r\n' }))).toStrictEqual([
      ['B10|PRO1||ABCD', 'LX|1', 'AT7|D1|NS|||20240313|1200|UT'],
    ]);
  });

  it('when the segment terminator is a full stop, then segments split on it', () => {
    expect(segmentIds(interchange('214', body, { terminator: '.' }))).toStrictEqual([
      ['B10|PRO1||ABCD', 'LX|1', 'AT7|D1|NS|||20240313|1200|UT'],
    ]);
  });

  it('when segments end at bare LF line ends and elements are split by |, then both are read from the ISA', () => {
    expect(segmentIds(interchange('214', body, { terminator: '\n', element: '|' }))).toStrictEqual([
      ['B10|PRO1||ABCD', 'LX|1', 'AT7|D1|NS|||20240313|1200|UT'],
    ]);
  });

  it('when the ISA sender id is not padded to its fixed width, then the delimiters are still found and a warning says so', () => {
    const short = interchange('214', body).replace('ABCD           ', 'ABCD');
    const document = tokenizeX12(bytes(short));
    expect(document.interchanges.map((i) => i.senderId)).toStrictEqual(['ABCD']);
    expect(document.warnings).toStrictEqual(['ISA13=000000001: ISA segment is 95 characters, not 106']);
  });

  it('when an input holds two interchanges, then both are read', () => {
    const two =
      interchange('214', body, { control: '000000001' }) +
      interchange('214', body, { control: '000000002', element: '|' });
    expect(tokenizeX12(bytes(two)).interchanges.map((i) => i.control)).toStrictEqual([
      '000000001',
      '000000002',
    ]);
  });
});

describe('X12 tokenizer: envelope defects', () => {
  it('when the input is not X12 at all, then the whole input is rejected and nothing is translated', () => {
    expect(translateX12(bytes('{"hello":"world"}'), { receivedAt })).toStrictEqual({
      messages: [],
      rejected: [
        {
          reason: 'invalid_message',
          place: 'interchange',
          explanation: 'Not an X12 interchange: the input does not start with an ISA segment',
        },
      ],
      warnings: [],
    });
  });

  it('when the ISA segment is cut short, then the interchange is rejected', () => {
    expect(tokenizeX12(bytes('ISA*00*          *00*')).rejected).toStrictEqual([
      {
        reason: 'invalid_message',
        place: 'interchange/ISA',
        explanation: 'the ISA segment has fewer than 16 elements',
      },
    ]);
  });

  it('when the SE, GE and IEA trailers are missing, then the transaction is still read and each gap is a warning', () => {
    const text = interchange('214', body)
      .split('\n')
      .filter((s) => !/^(SE|GE|IEA)\*/.test(s))
      .join('\n');
    const document = tokenizeX12(bytes(text));
    expect(document.interchanges[0]?.groups[0]?.transactions[0]?.segments.map((s) => s.id)).toStrictEqual([
      'B10',
      'LX',
      'AT7',
    ]);
    expect(document.warnings).toStrictEqual([
      'ISA13=000000001/GS06=1/ST02=0001: transaction set has no SE trailer',
      'ISA13=000000001/GS06=1: functional group has no GE trailer',
      'ISA13=000000001: interchange has no IEA trailer',
    ]);
  });

  it('when trailer control numbers and IEA01 disagree with their headers, then each is a warning', () => {
    const text = interchange('214', body)
      .replace('SE*5*0001', 'SE*5*0009')
      .replace('GE*1*1', 'GE*1*2')
      .replace('IEA*1*000000001', 'IEA*3*000000009');
    expect(tokenizeX12(bytes(text)).warnings).toStrictEqual([
      'ISA13=000000001/GS06=1/ST02=0001: SE02=0009 does not match ST02=0001',
      'ISA13=000000001/GS06=1: GE02=2 does not match GS06=1',
      'ISA13=000000001: IEA01=3 but the interchange has 1 functional groups',
      'ISA13=000000001: IEA02=000000009 does not match ISA13=000000001',
    ]);
  });

  it('when a segment sits between GS and ST, then it is rejected at its place', () => {
    const text = interchange('214', body).replace('ST*214', 'N1*SH*STRAY~\nST*214');
    expect(tokenizeX12(bytes(text)).rejected).toStrictEqual([
      {
        reason: 'invalid_message',
        place: 'ISA13=000000001/GS06=1/N1',
        code: 'segment=N1',
        explanation: 'N1 segment outside a transaction set (not between ST and SE)',
      },
    ]);
  });

  it('when a transaction set is neither 214 nor 210, then it is rejected by its ST01', () => {
    expect(
      translateX12(bytes(interchange('997', ['AK1*QM*1', 'AK9*A*1*1*1'])), { receivedAt }),
    ).toStrictEqual({
      messages: [],
      rejected: [
        {
          reason: 'invalid_message',
          place: 'ISA13=000000001/GS06=1/ST02=0001',
          code: 'ST01=997',
          explanation: 'Transaction set 997 is not translated (only 214 and 210 are)',
        },
      ],
      warnings: [],
    });
  });
});
