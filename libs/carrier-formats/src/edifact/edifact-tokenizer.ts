/** Service characters of an interchange (UNA, or the ISO 9735 defaults). */
export interface Delimiters {
  readonly component: string;
  readonly element: string;
  readonly decimal: string;
  readonly release: string;
  /** Reserved in syntax 3, repetition separator in syntax 4; not treated as a separator here. */
  readonly reserved: string;
  readonly segment: string;
}

export const DEFAULT_DELIMITERS: Delimiters = {
  component: ':',
  element: '+',
  decimal: '.',
  release: '?',
  reserved: ' ',
  segment: "'",
};

export interface Segment {
  readonly tag: string;
  /** Elements, each a list of components, release characters already removed. */
  readonly elements: readonly (readonly string[])[];
  /** 1-based position in the interchange, counting UNA when present. */
  readonly position: number;
}

export type Tokenized =
  | {
      readonly ok: true;
      readonly delimiters: Delimiters;
      readonly segments: readonly Segment[];
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly position: number; readonly explanation: string };

const LINE_BREAKS = new Set(['\r', '\n']);

/**
 * Splits an EDIFACT interchange into segments. Tolerates what real files do: a UNA with any
 * delimiters, no UNA at all, line breaks (and blanks) between segments, a missing terminator after
 * the last segment. Text is taken as already decoded (UNOA–UNOC and UTF-8 read the same here).
 */
export function tokenizeEdifact(input: string): Tokenized {
  const warnings: string[] = [];
  let text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  text = text.replace(/^[\s]+/, '');
  let delimiters = DEFAULT_DELIMITERS;
  let index = 0;
  let position = 0;
  if (text.startsWith('UNA')) {
    if (text.length < 9) {
      return {
        ok: false,
        position: 1,
        explanation: 'UNA service string advice is shorter than 9 characters',
      };
    }
    delimiters = {
      component: text.charAt(3),
      element: text.charAt(4),
      decimal: text.charAt(5),
      release: text.charAt(6),
      reserved: text.charAt(7),
      segment: text.charAt(8),
    };
    const separators = [delimiters.component, delimiters.element, delimiters.release, delimiters.segment];
    if (new Set(separators).size !== separators.length) {
      return {
        ok: false,
        position: 1,
        explanation: `UNA declares the same character twice: ${text.slice(0, 9)}`,
      };
    }
    index = 9;
    position = 1;
  }

  const segments: Segment[] = [];
  let elements: string[][] = [];
  let components: string[] = [];
  let current = '';
  let started = false;
  const closeSegment = (): Segment => {
    components.push(current);
    elements.push(components);
    const [tagElement, ...rest] = elements;
    position += 1;
    const segment: Segment = { tag: (tagElement?.[0] ?? '').trim(), elements: rest, position };
    elements = [];
    components = [];
    current = '';
    started = false;
    return segment;
  };

  while (index < text.length) {
    const char = text.charAt(index);
    if (!started && (LINE_BREAKS.has(char) || char === ' ' || char === '\t')) {
      index += 1;
      continue;
    }
    started = true;
    if (char === delimiters.release) {
      if (index + 1 >= text.length) {
        return {
          ok: false,
          position: position + 1,
          explanation: 'release character at the end of the input',
        };
      }
      current += text.charAt(index + 1);
      index += 2;
      continue;
    }
    if (char === delimiters.segment) {
      segments.push(closeSegment());
    } else if (char === delimiters.element) {
      components.push(current);
      elements.push(components);
      components = [];
      current = '';
    } else if (char === delimiters.component) {
      components.push(current);
      current = '';
    } else if (!LINE_BREAKS.has(char)) {
      current += char;
    }
    index += 1;
  }
  if (started) {
    const segment = closeSegment();
    warnings.push(`segment ${segment.position} (${segment.tag}) has no segment terminator`);
    segments.push(segment);
  }
  const badTag = segments.find((segment) => !/^[A-Z][A-Z0-9]{2}$/.test(segment.tag));
  if (badTag !== undefined) {
    return {
      ok: false,
      position: badTag.position,
      explanation: `segment ${badTag.position} has no valid tag: "${badTag.tag.slice(0, 20)}"`,
    };
  }
  return { ok: true, delimiters, segments, warnings };
}

/** Component `c` (0-based) of element `e` (0-based, after the tag), or undefined when empty. */
export function component(segment: Segment, element: number, componentIndex = 0): string | undefined {
  const value = segment.elements[element]?.[componentIndex];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
