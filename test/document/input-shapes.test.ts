import { describe, expect, it } from 'vitest';
import { InputSyntaxError, parseInputAttribute } from '../../src/document/input-shapes.js';

describe('input= attribute', () => {
  it('reads one shape', () => {
    const [p] = parseInputAttribute('1x3x224x224');
    expect(p!.text).toBe('1x3x224x224');
    expect([...p!.shapes]).toEqual([['', [1, 3, 224, 224]]]);
    expect(p!.label).toBe('224×224');
  });

  it('reads several named inputs', () => {
    const [p] = parseInputAttribute('ids=1x128,mask=1x128');
    expect([...p!.shapes]).toEqual([
      ['ids', [1, 128]],
      ['mask', [1, 128]],
    ]);
    expect(p!.text).toBe('ids=1x128,mask=1x128');
  });

  it('zips braces of equal length (the seed: 200, 224, 256 square inputs)', () => {
    const points = parseInputAttribute('1x3x{200,224,256}x{200,224,256}');
    expect(points.map((p) => p.text)).toEqual(['1x3x200x200', '1x3x224x224', '1x3x256x256']);
    expect(points.map((p) => p.label)).toEqual(['200×200', '224×224', '256×256']);
  });

  it('crosses braces of different lengths, in order', () => {
    const points = parseInputAttribute('1x3x{32,64}x{32,48,64}');
    expect(points.map((p) => p.text)).toEqual(['1x3x32x32', '1x3x32x48', '1x3x32x64', '1x3x64x32', '1x3x64x48', '1x3x64x64']);
  });

  it('sweeps named inputs together', () => {
    const points = parseInputAttribute('ids=1x{64,128},mask=1x{64,128}');
    expect(points.map((p) => p.text)).toEqual(['ids=1x64,mask=1x64', 'ids=1x128,mask=1x128']);
  });

  it.each([
    ['1x4x', 4, 'is not a positive size'],
    ['1x0x4', 2, 'is not a positive size'],
    ['1x3x{200,224', 4, 'never closed'],
    ['1x3,1x4', 0, 'name each one'],
    ['a=1x3,a=1x4', 6, "input 'a' is given twice"],
    ['', 0, 'empty input shape'],
  ])('rejects %j at offset %i', (text, offset, message) => {
    let error: unknown;
    try {
      parseInputAttribute(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputSyntaxError);
    expect((error as InputSyntaxError).offset).toBe(offset);
    expect((error as Error).message).toContain(message);
  });
});
