import type { Rejected } from '../translation';

/**
 * X12 syntax: envelopes, segments and elements, with the delimiters each ISA segment declares.
 * Written here rather than taken from npm: the parsers tried fail on real-file defects (see
 * docs/formats.md, "X12 parser comparison").
 */

export interface X12Segment {
  /** Segment id, upper-cased (`AT7`). */
  readonly id: string;
  /** `elements[0]` is the id; `elements[n]` is element n, trimmed. */
  readonly elements: readonly string[];
  /** 1-based position in its transaction set (ST = 1), as SE01 counts; 0 outside one. */
  readonly position: number;
}

export interface X12Transaction {
  /** ST01, e.g. `214`. */
  readonly setId: string;
  /** ST02. */
  readonly control: string;
  /** The segments between ST and SE. */
  readonly segments: readonly X12Segment[];
  /** `ISA13=…/GS06=…/ST02=…`. */
  readonly place: string;
}

export interface X12Group {
  /** GS06. */
  readonly control: string;
  /** GS08, e.g. `004010` or `005010`. */
  readonly version: string;
  readonly transactions: readonly X12Transaction[];
}

export interface X12Interchange {
  /** ISA06 without its padding. */
  readonly senderId: string;
  /** ISA13. */
  readonly control: string;
  readonly groups: readonly X12Group[];
}

export interface X12Document {
  readonly interchanges: readonly X12Interchange[];
  readonly rejected: readonly Rejected[];
  readonly warnings: readonly string[];
}

export function element(segment: X12Segment, n: number): string {
  return segment.elements[n] ?? '';
}

interface Delimiters {
  readonly element: string;
  /** `undefined` when segments end at line ends. */
  readonly segment: string | undefined;
}

const ISA_ELEMENTS = 16;

/** Reads the delimiters from an ISA segment starting at `start`: ISA-04 position, ISA16, the byte after it. */
function readDelimiters(text: string, start: number): Delimiters | string {
  const elementSep = text.charAt(start + 3);
  if (elementSep === '' || /[A-Za-z0-9\s]/.test(elementSep)) {
    return 'the character after ISA is not a usable element separator';
  }
  let at = start + 3;
  for (let n = 1; n < ISA_ELEMENTS; n += 1) {
    at = text.indexOf(elementSep, at + 1);
    if (at < 0) return `the ISA segment has fewer than ${ISA_ELEMENTS} elements`;
  }
  const terminator = text.charAt(at + 2);
  if (terminator === '') return 'the ISA segment ends before its segment terminator';
  if (terminator === '\r' || terminator === '\n') return { element: elementSep, segment: undefined };
  if (/[A-Za-z0-9 ]/.test(terminator) || terminator === elementSep) {
    return `the character after ISA16 (${JSON.stringify(terminator)}) is not a usable segment terminator`;
  }
  return { element: elementSep, segment: terminator };
}

interface RawSegment {
  readonly text: string;
  readonly next: number;
}

function skipBlank(text: string, at: number): number {
  let i = at;
  while (i < text.length && /[\r\n\t ]/.test(text.charAt(i))) i += 1;
  return i;
}

function readSegment(text: string, at: number, delimiters: Delimiters): RawSegment {
  if (delimiters.segment === undefined) {
    const match = /\r\n|\n|\r/g;
    match.lastIndex = at;
    const end = match.exec(text);
    return end === null
      ? { text: text.slice(at), next: text.length }
      : { text: text.slice(at, end.index), next: end.index + end[0].length };
  }
  const end = text.indexOf(delimiters.segment, at);
  return end < 0 ? { text: text.slice(at), next: text.length } : { text: text.slice(at, end), next: end + 1 };
}

interface OpenTransaction {
  setId: string;
  control: string;
  segments: X12Segment[];
  place: string;
}

interface OpenGroup {
  control: string;
  version: string;
  transactions: X12Transaction[];
}

interface OpenInterchange {
  senderId: string;
  control: string;
  groups: X12Group[];
}

/** Splits raw bytes into interchanges, groups and transaction sets; trailer defects become warnings. */
export function tokenizeX12(raw: Uint8Array): X12Document {
  const rejected: Rejected[] = [];
  const warnings: string[] = [];
  const interchanges: X12Interchange[] = [];
  // TextDecoder drops a leading UTF-8 byte-order mark.
  const text = new TextDecoder('utf-8').decode(raw).replace(/^\uFEFF/, '');
  let at = skipBlank(text, 0);
  if (!text.startsWith('ISA', at)) {
    rejected.push({
      reason: 'invalid_message',
      place: 'interchange',
      explanation: 'Not an X12 interchange: the input does not start with an ISA segment',
    });
    return { interchanges, rejected, warnings };
  }

  let delimiters: Delimiters | undefined;
  let isa: OpenInterchange | undefined;
  let gs: OpenGroup | undefined;
  let st: OpenTransaction | undefined;
  let lastPlace = 'interchange';

  const closeTransaction = (trailer: X12Segment | undefined): void => {
    if (st === undefined || gs === undefined) return;
    const count = st.segments.length + 2;
    if (trailer === undefined) {
      warnings.push(`${st.place}: transaction set has no SE trailer`);
    } else {
      const se01 = element(trailer, 1);
      if (se01 !== String(count)) {
        warnings.push(`${st.place}: SE01=${se01} but the transaction set has ${count} segments`);
      }
      const se02 = element(trailer, 2);
      if (se02 !== st.control) warnings.push(`${st.place}: SE02=${se02} does not match ST02=${st.control}`);
    }
    gs.transactions.push({ setId: st.setId, control: st.control, segments: st.segments, place: st.place });
    st = undefined;
  };

  const closeGroup = (trailer: X12Segment | undefined): void => {
    if (gs === undefined || isa === undefined) return;
    closeTransaction(undefined);
    const place = `ISA13=${isa.control}/GS06=${gs.control}`;
    if (trailer === undefined) {
      warnings.push(`${place}: functional group has no GE trailer`);
    } else {
      const ge01 = element(trailer, 1);
      if (ge01 !== String(gs.transactions.length)) {
        warnings.push(`${place}: GE01=${ge01} but the group has ${gs.transactions.length} transaction sets`);
      }
      const ge02 = element(trailer, 2);
      if (ge02 !== gs.control) warnings.push(`${place}: GE02=${ge02} does not match GS06=${gs.control}`);
    }
    isa.groups.push({ control: gs.control, version: gs.version, transactions: gs.transactions });
    gs = undefined;
  };

  const closeInterchange = (trailer: X12Segment | undefined): void => {
    if (isa === undefined) return;
    closeGroup(undefined);
    const place = `ISA13=${isa.control}`;
    if (trailer === undefined) {
      warnings.push(`${place}: interchange has no IEA trailer`);
    } else {
      const iea01 = element(trailer, 1);
      if (iea01 !== String(isa.groups.length)) {
        warnings.push(
          `${place}: IEA01=${iea01} but the interchange has ${isa.groups.length} functional groups`,
        );
      }
      const iea02 = element(trailer, 2);
      if (iea02 !== isa.control)
        warnings.push(`${place}: IEA02=${iea02} does not match ISA13=${isa.control}`);
    }
    interchanges.push({ senderId: isa.senderId, control: isa.control, groups: isa.groups });
    isa = undefined;
  };

  while (at < text.length) {
    if (text.startsWith('ISA', at)) {
      const found = readDelimiters(text, at);
      if (typeof found === 'string') {
        rejected.push({ reason: 'invalid_message', place: `${lastPlace}/ISA`, explanation: found });
        break;
      }
      delimiters = found;
    }
    if (delimiters === undefined) break;
    const rawSegment = readSegment(text, at, delimiters);
    at = skipBlank(text, rawSegment.next);
    const body = rawSegment.text.replace(/[\r\n]+$/, '');
    if (body.trim() === '') continue;
    const parts = body.split(delimiters.element);
    const id = (parts[0] ?? '').trim().toUpperCase();
    const elements = [id, ...parts.slice(1).map((p) => (id === 'ISA' ? p : p.trim()))];

    switch (id) {
      case 'ISA': {
        closeInterchange(undefined);
        isa = {
          senderId: (elements[6] ?? '').trim(),
          control: (elements[13] ?? '').trim(),
          groups: [],
        };
        lastPlace = `ISA13=${isa.control}`;
        if (body.length + 1 !== 106) {
          warnings.push(`ISA13=${isa.control}: ISA segment is ${body.length + 1} characters, not 106`);
        }
        break;
      }
      case 'GS': {
        if (isa === undefined) {
          rejected.push({
            reason: 'invalid_message',
            place: `${lastPlace}/GS`,
            code: 'segment=GS',
            explanation: 'GS segment outside an interchange (after IEA)',
          });
          break;
        }
        closeGroup(undefined);
        gs = { control: elements[6] ?? '', version: elements[8] ?? '', transactions: [] };
        lastPlace = `ISA13=${isa.control}/GS06=${gs.control}`;
        break;
      }
      case 'ST': {
        if (isa === undefined || gs === undefined) {
          rejected.push({
            reason: 'invalid_message',
            place: `${lastPlace}/ST02=${elements[2] ?? ''}`,
            code: 'segment=ST',
            explanation: 'ST segment outside a functional group (no GS before it)',
          });
          break;
        }
        closeTransaction(undefined);
        const control = elements[2] ?? '';
        st = {
          setId: elements[1] ?? '',
          control,
          segments: [],
          place: `ISA13=${isa.control}/GS06=${gs.control}/ST02=${control}`,
        };
        lastPlace = st.place;
        break;
      }
      case 'SE':
        if (st === undefined) {
          warnings.push(`${lastPlace}: SE segment without a transaction set, ignored`);
          break;
        }
        closeTransaction({ id, elements, position: st.segments.length + 2 });
        break;
      case 'GE':
        if (gs === undefined) {
          warnings.push(`${lastPlace}: GE segment without a functional group, ignored`);
          break;
        }
        closeGroup({ id, elements, position: 0 });
        break;
      case 'IEA':
        if (isa === undefined) {
          warnings.push(`${lastPlace}: IEA segment without an interchange, ignored`);
          break;
        }
        closeInterchange({ id, elements, position: 0 });
        break;
      default:
        if (st === undefined) {
          rejected.push({
            reason: 'invalid_message',
            place: `${lastPlace}/${id}`,
            code: `segment=${id}`,
            explanation: `${id} segment outside a transaction set (not between ST and SE)`,
          });
          break;
        }
        st.segments.push({ id, elements, position: st.segments.length + 2 });
    }
  }
  closeInterchange(undefined);
  return { interchanges, rejected, warnings };
}
