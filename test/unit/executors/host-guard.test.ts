import { describe, expect, it } from 'vitest';
import { allowListFaults, createHostGuard, type Resolve } from '#shared/executors/host-guard.ts';

const resolving =
  (table: Record<string, string[]>): Resolve =>
  async (host) => {
    const addresses = table[host];
    if (!addresses) throw new Error(`ENOTFOUND ${host}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const check = (entries: string[], url: string, table: Record<string, string[]> = {}) =>
  createHostGuard(entries, resolving(table))(new URL(url));

describe('HTTP allow-list', () => {
  it('allows a named host, every subdomain of a *.domain (not the domain itself), whatever they resolve to', async () => {
    const entries = ['api.partner.com', '*.example.com'];
    expect(await check(entries, 'https://API.partner.com/v1')).toBeUndefined();
    expect(await check(entries, 'https://a.b.example.com/')).toBeUndefined();
    expect(await check(entries, 'https://example.com/')).toBe('host example.com is not in the allow-list');
    expect(await check(entries, 'https://api.partner.com.evil.net/')).toBe(
      'host api.partner.com.evil.net is not in the allow-list',
    );
  });

  it('allows addresses in its CIDR blocks, IPv4 and IPv6, and nothing else', async () => {
    const entries = ['10.20.0.0/16', '2001:db8::/32', '192.0.2.7'];
    expect(await check(entries, 'http://10.20.3.4/')).toBeUndefined();
    expect(await check(entries, 'http://192.0.2.7:8080/')).toBeUndefined();
    expect(await check(entries, 'http://[2001:db8::1]/')).toBeUndefined();
    expect(await check(entries, 'http://10.21.0.1/')).toBe('address 10.21.0.1 is not in the allow-list');
    expect(await check(entries, 'http://[::1]/')).toBe('address ::1 is not in the allow-list');
  });

  it('allows an unnamed host only when every address it resolves to is in a block', async () => {
    const table = { 'svc.internal': ['10.20.0.5'], 'mixed.internal': ['10.20.0.6', '169.254.169.254'] };
    expect(await check(['10.20.0.0/16'], 'http://svc.internal/', table)).toBeUndefined();
    expect(await check(['10.20.0.0/16'], 'http://mixed.internal/', table)).toBe(
      'host mixed.internal resolves to 169.254.169.254, outside the allow-list',
    );
    expect(await check(['10.20.0.0/16'], 'http://nowhere.internal/', table)).toBe(
      'host nowhere.internal is not in the allow-list (and does not resolve)',
    );
  });

  it('names every entry that is not a host, *.domain, address or CIDR block', () => {
    expect(
      allowListFaults([
        'ok.example.com',
        '10.0.0.0/8',
        'http://x.com',
        '10.0.0.0/33',
        '*',
        'a..b',
        '::1/129',
      ]),
    ).toEqual([
      "'http://x.com' is not a host name, *.domain, address or CIDR block",
      "'10.0.0.0/33' is not a host name, *.domain, address or CIDR block",
      "'*' is not a host name, *.domain, address or CIDR block",
      "'a..b' is not a host name, *.domain, address or CIDR block",
      "'::1/129' is not a host name, *.domain, address or CIDR block",
    ]);
    expect(() => createHostGuard(['bad entry'])).toThrow(/invalid HTTP allow-list/);
  });
});
