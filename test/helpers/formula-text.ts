/**
 * Evaluates a printed formula (the `substituted` text of a FormulaUse, as documents show it) with its
 * own small parser, written apart from the analysis so that the test compares what a reader sees with
 * the count: numbers (`7632`, `0.5`, `1e-5`), `×` `·` `*` `/` `+` `−` `-`, Unicode superscript powers
 * (`6²`), `^` powers and parentheses. Text after a `;` is a side note (attention's `; MACs = …`) and
 * is not part of the result. Anything else (a word) is an error naming where it stands.
 */
const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

export function evaluateFormulaText(text: string): number {
  const main = text.split(';')[0]!;
  let i = 0;
  const peek = (): string => {
    while (i < main.length && /\s/.test(main[i]!)) i++;
    return main[i] ?? '';
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at ${i} in '${main}'`);
  };
  function power(base: number): number {
    let v = base;
    for (;;) {
      const isSuperscript = (c: string | undefined): boolean => c !== undefined && SUPERSCRIPT.includes(c);
      if (isSuperscript(main[i])) {
        let digits = '';
        while (isSuperscript(main[i])) digits += String(SUPERSCRIPT.indexOf(main[i++]!));
        v = v ** Number(digits);
      } else if (peek() === '^') {
        i++;
        v = v ** atom();
      } else return v;
    }
  }
  function atom(): number {
    const c = peek();
    if (c === '(') {
      i++;
      const v = sum();
      if (peek() !== ')') fail('expected )');
      i++;
      return power(v);
    }
    if (c === '−' || c === '-') {
      i++;
      return -atom();
    }
    const m = /^\d+(?:\.\d+)?(?:e[+-]?\d+)?/.exec(main.slice(i));
    if (!m) return fail(`unexpected '${c}'`);
    i += m[0].length;
    return power(Number(m[0]));
  }
  function product(): number {
    let v = atom();
    for (;;) {
      const c = peek();
      if (c === '×' || c === '·' || c === '*') {
        i++;
        v *= atom();
      } else if (c === '/') {
        i++;
        v /= atom();
      } else return v;
    }
  }
  function sum(): number {
    let v = product();
    for (;;) {
      const c = peek();
      if (c === '+') {
        i++;
        v += product();
      } else if (c === '−' || c === '-') {
        i++;
        v -= product();
      } else return v;
    }
  }
  const v = sum();
  if (peek() !== '') fail(`unexpected '${peek()}'`);
  return v;
}
