import { describe, expect, it } from 'vitest';
import { detectIpv4, detectIpv6, isIpv6 } from '../../src/internal/detect-ip.ts';
import { matches } from '../support/detector-matches.ts';

describe('detectIpv4', () => {
  it.each([
    ['192.168.1.20', ['192.168.1.20']],
    ['from 10.0.0.1:8080, then 8.8.8.8.', ['10.0.0.1', '8.8.8.8']],
    ['cidr 172.16.0.0/12', ['172.16.0.0']],
    ['255.255.255.255 and 0.0.0.0', ['255.255.255.255', '0.0.0.0']],
  ])('finds the address in %j', (text, expected) => {
    expect(matches(detectIpv4, text)).toEqual(expected);
  });

  it.each([
    '256.1.1.1',
    '1.2.3',
    '192.168.1.300',
    'v1.2.3.4',
    '1.2.3.4.5',
    '1.2.3.4a',
    '1234.1.1.1',
    '2024.01.15',
  ])('rejects %j', (text) => {
    expect(matches(detectIpv4, text)).toEqual([]);
  });
});

describe('detectIpv6', () => {
  it.each([
    ['2001:db8:85a3::8a2e:370:7334', ['2001:db8:85a3::8a2e:370:7334']],
    ['[2001:db8::1]:443', ['2001:db8::1']],
    ['fe80::1ff:fe23:4567:890a%eth0', ['fe80::1ff:fe23:4567:890a']],
    ['::ffff:192.0.2.128', ['::ffff:192.0.2.128']],
    ['ip ::1.', ['::1']],
    ['addr:2001:db8::1', ['2001:db8::1']],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', ['2001:0db8:0000:0000:0000:ff00:0042:8329']],
    ['down: 2001:db8::5:', ['2001:db8::5']],
  ])('finds the address in %j', (text, expected) => {
    expect(matches(detectIpv6, text)).toEqual(expected);
  });

  it.each([
    'std::vector<int>',
    'Foo::Bar',
    '10:30:00',
    '12:34:56.789',
    '00:1A:2B:3C:4D:5E',
    'a:b:c',
    '::',
    '2001:db8::1::2',
    '2001:db8:1:2:3:4:5:6:7',
    '12345::1',
  ])('rejects %j', (text) => {
    expect(matches(detectIpv6, text)).toEqual([]);
  });

  it('validates the text forms', () => {
    expect(isIpv6('::', 0, 2)).toBe(false);
    expect(isIpv6('1::', 0, 3)).toBe(true);
    expect(isIpv6('1:2:3:4:5:6:7:8', 0, 15)).toBe(true);
    expect(isIpv6('1:2:3:4:5:6:7', 0, 13)).toBe(false);
    expect(isIpv6('1:2:3:4:5:6:1.2.3.4', 0, 19)).toBe(true);
  });
});
