/**
 * The `input=` attribute: `1x3x224x224`, several named inputs `name=1x3x224x224,mask=1x128`, and
 * sweeps `1x3x{200,224,256}x{200,224,256}`. Braces of equal length are zipped (200×200, 224×224,
 * 256×256: the seed's three input sizes); braces of different lengths are crossed, every combination
 * in order. Each resulting point binds every named input; its label shows only the sizes that vary.
 */
import { describeInputs } from '../render/metrics.js';
import { phrase, type Said, SaidError } from '../i18n/index.js';

/** One concrete binding of the model inputs. */
export type { InputPoint } from '../measure/types.js';
import type { InputPoint } from '../measure/types.js';

export class InputSyntaxError extends SaidError {
  constructor(
    message: Said,
    /** 0-based offset into the attribute value. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'InputSyntaxError';
  }
}

/** A dim as written: a size, or the index of a brace list. */
type DimToken = { size: number } | { sweep: number };

interface NamedTemplate {
  name: string;
  dims: DimToken[];
}

const EXAMPLE = phrase('diag.input.example');

/** Split on commas outside braces, keeping each part's offset. */
function splitTopLevel(text: string): { part: string; offset: number }[] {
  const parts: { part: string; offset: number }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      if (depth > 0) throw new InputSyntaxError(phrase('diag.input.nested', { example: EXAMPLE }), i);
      depth++;
    } else if (c === '}') {
      if (depth === 0) throw new InputSyntaxError(phrase('diag.input.unopened', { example: EXAMPLE }), i);
      depth--;
    } else if (c === ',' && depth === 0) {
      parts.push({ part: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  if (depth !== 0) throw new InputSyntaxError(phrase('diag.input.unclosed', { example: EXAMPLE }), text.lastIndexOf('{'));
  parts.push({ part: text.slice(start), offset: start });
  return parts;
}

/** A size; 0 only where `allowZero` (a named dim binding such as `past_sequence_length=0`: an empty KV cache). */
function parseSize(text: string, offset: number, allowZero = false): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t)) || Number(t) < (allowZero ? 0 : 1)) {
    throw new InputSyntaxError(phrase('diag.input.notSize', { text: t, example: EXAMPLE }), offset);
  }
  return Number(t);
}

/** Parse an `input=` value into the points it denotes (one point unless it sweeps). */
export function parseInputAttribute(value: string): InputPoint[] {
  if (value.trim() === '') throw new InputSyntaxError(phrase('diag.input.empty', { example: EXAMPLE }), 0);
  const sweeps: number[][] = [];
  const templates: NamedTemplate[] = [];
  const parts = splitTopLevel(value);
  for (const { part, offset } of parts) {
    if (part.trim() === '') throw new InputSyntaxError(phrase('diag.input.emptyEntry', { example: EXAMPLE }), offset);
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    if (eq >= 0 && !/^[^\s{}=,]+$/.test(name)) throw new InputSyntaxError(phrase('diag.input.noName', { example: EXAMPLE }), offset);
    if (eq < 0 && parts.length > 1) {
      throw new InputSyntaxError(phrase('diag.input.unnamed', { part: part.trim() }), offset);
    }
    if (templates.some((t) => t.name === name)) throw new InputSyntaxError(phrase('diag.input.twice', { name }), offset);
    const dimsText = eq < 0 ? part : part.slice(eq + 1);
    const dimsOffset = offset + (eq < 0 ? 0 : eq + 1);
    if (dimsText.trim() === '') throw new InputSyntaxError(phrase('diag.input.noShape', { name, example: EXAMPLE }), dimsOffset);
    const dims: DimToken[] = [];
    // Split dims on 'x' outside braces.
    let depth = 0;
    let start = 0;
    const pieces: { text: string; offset: number }[] = [];
    for (let i = 0; i <= dimsText.length; i++) {
      const c = dimsText[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if ((c === 'x' || c === '×' || c === undefined) && depth === 0) {
        pieces.push({ text: dimsText.slice(start, i), offset: dimsOffset + start });
        start = i + 1;
      }
    }
    const allowZero = name !== '' && pieces.length === 1;
    for (const piece of pieces) {
      const at = piece.offset;
      const t = piece.text.trim();
      if (t.startsWith('{')) {
        if (!t.endsWith('}')) throw new InputSyntaxError(phrase('diag.input.wholeDim', { text: t }), at);
        const items = t.slice(1, -1).split(',');
        if (items.length < 1 || items.some((s) => s.trim() === ''))
          throw new InputSyntaxError(phrase('diag.input.emptySize', { text: t, example: EXAMPLE }), at);
        sweeps.push(items.map((s) => parseSize(s, at, allowZero)));
        dims.push({ sweep: sweeps.length - 1 });
      } else {
        dims.push({ size: parseSize(t, at, allowZero) });
      }
    }
    templates.push({ name, dims });
  }

  // Zip equal-length braces; cross them otherwise.
  const combos: number[][] = [];
  if (sweeps.length === 0) combos.push([]);
  else if (sweeps.every((s) => s.length === sweeps[0]!.length)) {
    for (let i = 0; i < sweeps[0]!.length; i++) combos.push(sweeps.map((s) => s[i]!));
  } else {
    const cross = (k: number, acc: number[]): void => {
      if (k === sweeps.length) return void combos.push(acc);
      for (const v of sweeps[k]!) cross(k + 1, [...acc, v]);
    };
    cross(0, []);
  }

  return combos.map((combo) => {
    const shapes = new Map<string, number[]>();
    for (const t of templates)
      shapes.set(
        t.name,
        t.dims.map((d) => ('size' in d ? d.size : combo[d.sweep]!)),
      );
    const text = formatInputs(shapes);
    return { text, shapes, label: describeInputs([...shapes].map(([name, shape]) => ({ name, shape }))) };
  });
}

/** `1x3x224x224`, or `a=1x3,b=1x128` for named inputs. */
function formatInputs(shapes: ReadonlyMap<string, readonly number[]>): string {
  return [...shapes].map(([name, dims]) => (name === '' ? dims.join('x') : `${name}=${dims.join('x')}`)).join(',');
}
