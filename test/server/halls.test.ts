// The codes that name a hall among many (server/halls.ts): what --halls and
// --hall accept, the schema and path each gives, and how a request path is
// split into its hall and the rest.
import { describe, expect, it } from 'vitest';
import { checkHallCode, hallSchemaOf, parseHallCodes, splitHallPath } from '../../server/halls.ts';

describe('hall codes', () => {
  it('takes lowercase letters, digits and inner hyphens, each code once; nothing given is one hall at the root', () => {
    expect(parseHallCodes('futian, luohu,district-3,07')).toEqual(['futian', 'luohu', 'district-3', '07']);
    expect(parseHallCodes(undefined)).toBeNull();
    expect(parseHallCodes('  ')).toBeNull();
    expect(checkHallCode('a'.repeat(32))).toBe('a'.repeat(32));
  });

  it('refuses anything else, saying what a code may be', () => {
    for (const bad of ['Futian', '-east', 'east-', 'ea_st', 'east/west', '东区', 'a'.repeat(33), '', '..']) {
      expect(() => checkHallCode(bad), bad).toThrow(/只能用小写字母、数字和连字符/);
    }
    expect(() => parseHallCodes('east,,west')).toThrow(/不正确/);
    expect(() => parseHallCodes('east,west,east')).toThrow(/east 重复出现/);
  });

  it('gives each hall a schema of its own (hyphens as underscores: codes have none, so none meet)', () => {
    expect(hallSchemaOf('district-3')).toBe('hall_district_3');
    expect(hallSchemaOf('a'.repeat(32))).toMatch(/^[a-z][a-z0-9_]{0,39}$/);
  });

  it('splits a request path into its hall and the path below it', () => {
    expect(splitHallPath('/halls/futian/v1/health')).toEqual({ code: 'futian', rest: '/v1/health' });
    expect(splitHallPath('/halls/futian')).toEqual({ code: 'futian', rest: '/' });
    expect(splitHallPath('/halls//v1')).toEqual({ code: '', rest: '/v1' });
    expect(splitHallPath('/v1/health')).toBeNull();
    expect(splitHallPath('/hallsfutian/v1')).toBeNull();
  });
});
