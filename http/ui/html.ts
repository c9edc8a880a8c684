import { html as ghtml } from 'ghtml';

const SAFE: unique symbol = Symbol('SafeHtml');

/** Markup made by {@link html} (or a trusted constant via {@link trusted}): the only value inserted unescaped. */
export interface SafeHtml {
  readonly [SAFE]: true;
  readonly text: string;
}

function safe(text: string): SafeHtml {
  return { [SAFE]: true, text };
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && SAFE in value;
}

/** What a template may interpolate: text (escaped), numbers, markup made by {@link html}, lists of them, nothing. */
export type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function flatten(value: Interpolation): { readonly raw: boolean; readonly value: unknown } {
  if (isSafe(value)) return { raw: true, value: value.text };
  if (Array.isArray(value)) {
    const parts = (value as readonly Interpolation[]).map((item) => {
      const part = flatten(item);
      return part.raw ? String(part.value) : ghtml`${part.value}`;
    });
    return { raw: true, value: parts.join('') };
  }
  return { raw: false, value: value === false ? '' : value };
}

/**
 * The dashboard's template tag: every interpolated value is HTML-escaped (ghtml's escaping of
 * `"&'<=>`) unless it is markup another `html` call made, so user content cannot become markup
 * by accident. ghtml's own `!${…}` raw form is refused: a literal may not end in `!` before a value.
 */
export function html(literals: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  const raw: string[] = [];
  const expressions: unknown[] = [];
  literals.raw.forEach((literal, i) => {
    if (i < values.length && literal.endsWith('!')) throw new Error('html: "!${…}" (raw) is not allowed');
    if (i >= values.length) {
      raw.push(literal);
      return;
    }
    const part = flatten(values[i]);
    raw.push(part.raw ? `${literal}!` : literal);
    expressions.push(part.value);
  });
  return safe(ghtml(Object.assign([...raw], { raw }), ...expressions));
}

/** A constant of this code base (never user content) inserted as markup: the stylesheet, an SVG path. */
export function trusted(constant: string): SafeHtml {
  return safe(constant);
}

/** The text of a whole page or fragment, ready to send. */
export function render(markup: SafeHtml): string {
  return markup.text;
}
