// The `http` executor's allow-list: which hosts a task may call, so that a task cannot be
// pointed at arbitrary internal addresses (an instance metadata service, a database admin
// port, another team's service). Entries: a host name (`api.example.com`), every subdomain
// of one (`*.example.com`), an address (`203.0.113.7`, `2001:db8::1`) or a CIDR block
// (`10.20.0.0/16`, `2001:db8::/32`). A named host is trusted whatever it resolves to; any
// other host name is allowed only when every address it resolves to is in an allowed block.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Answers why a URL may not be called, or undefined when it may. */
export type HostGuard = (url: URL) => Promise<string | undefined>;

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Faults of an allow-list, one per entry that is none of the accepted forms (empty: valid). */
export function allowListFaults(entries: string[]): string[] {
  return entries.flatMap((entry) =>
    parseEntry(entry) ? [] : [`'${entry}' is not a host name, *.domain, address or CIDR block`],
  );
}

type Entry =
  | { name: string }
  | { suffix: string }
  | { address: string; prefix: number; family: 'ipv4' | 'ipv6' };

function parseEntry(raw: string): Entry | undefined {
  const entry = raw.trim().toLowerCase();
  const [address = '', bits, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version !== 0 && rest.length === 0) {
    const max = version === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > max ||
      (bits !== undefined && !/^\d+$/.test(bits))
    )
      return undefined;
    return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
  }
  if (bits !== undefined || !HOST_NAME.test(entry) || entry.length > 253) return undefined;
  return entry.startsWith('*.') ? { suffix: entry.slice(1) } : { name: entry };
}

export function createHostGuard(
  entries: string[],
  resolve: Resolve = (host) => lookup(host, { all: true }),
): HostGuard {
  const faults = allowListFaults(entries);
  if (faults.length > 0) throw new Error(`invalid HTTP allow-list: ${faults.join('; ')}`);
  const names = new Set<string>();
  const suffixes: string[] = [];
  const blocks = new BlockList();
  let hasBlocks = false;
  for (const entry of entries.map(parseEntry)) {
    if (!entry) continue;
    if ('name' in entry) names.add(entry.name);
    else if ('suffix' in entry) suffixes.push(entry.suffix);
    else {
      blocks.addSubnet(entry.address, entry.prefix, entry.family);
      hasBlocks = true;
    }
  }
  const inBlocks = (address: string) => {
    const version = isIP(address);
    return version !== 0 && blocks.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
  return async (url) => {
    // URL keeps IPv6 literals in brackets, and host names lower-cased.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) return inBlocks(host) ? undefined : `address ${host} is not in the allow-list`;
    if (names.has(host) || suffixes.some((suffix) => host.endsWith(suffix))) return undefined;
    if (!hasBlocks) return `host ${host} is not in the allow-list`;
    let addresses: { address: string }[];
    try {
      addresses = await resolve(host);
    } catch {
      return `host ${host} is not in the allow-list (and does not resolve)`;
    }
    const outside = addresses.find((a) => !inBlocks(a.address));
    return outside || addresses.length === 0
      ? `host ${host} resolves to ${outside?.address ?? 'nothing'}, outside the allow-list`
      : undefined;
  };
}
