import { describe, expect, it } from 'vitest';
import { locateJsonError } from './json-error-locator.js';

describe('locateJsonError', () => {
  it('finds nothing wrong in valid JSON, whatever JSON.parse accepts', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, null, "x\\u00e9\\n"]} ', '"s"', '0']) {
      expect(JSON.parse(text)).toBeDefined();
      expect(locateJsonError(text)).toBeUndefined();
    }
  });

  it('points at the first broken place and says what was expected there', () => {
    expect(locateJsonError('{"a": 1,}')).toEqual({ offset: 8, message: "expected a property name in double quotes, found '}'" });
    expect(locateJsonError('{"a": 1 "b": 2}')).toEqual({ offset: 8, message: "expected ',' or '}' after a property value, found '\"'" });
    expect(locateJsonError('[1, 2')).toEqual({ offset: 5, message: "expected ',' or ']' after an array element, found the end of the text" });
    expect(locateJsonError('{"a": tru}')?.offset).toBe(6);
    expect(locateJsonError('{"a": 01}')?.offset).toBe(7);
  });

  it('refuses raw control characters and bad escapes inside strings', () => {
    expect(locateJsonError('{"a": "x\ny"}')).toEqual({
      offset: 8,
      message: 'expected no control characters inside a string (write them escaped), found a line break',
    });
    expect(locateJsonError('"\\x"')?.offset).toBe(2);
    expect(locateJsonError('"\\u12G4"')?.offset).toBe(2);
  });

  it('refuses text after the value', () => {
    expect(locateJsonError('{} x')).toEqual({ offset: 3, message: "expected the end of the value, found 'x'" });
  });
});
