// The Host header check: the hall server answers only requests that name it
// by an address it was told it is reachable at, so that a web page whose own
// name an attacker points at the hall server (DNS rebinding) gets nothing.
// Allowed: the listen address; the loopback forms when bound to loopback; every
// address of this machine and its host name when bound to all interfaces; and
// the configured list (HALL_ALLOWED_HOSTS / --allowed-hosts). The port is not
// compared: a counter may reach the server through a forwarded port.
import { hostname, networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
/** How often the machine's addresses are read again when bound to all interfaces (a DHCP change). */
const INTERFACES_REFRESH_MS = 10_000;

/** A host name as compared: lower case, no trailing dot, an IPv6 address without brackets or zone. */
export function normalizeHostName(name: string): string {
  let host = name.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  host = host.replace(/%.*$/, '');
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** The host name of a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`); null when it is not one. */
export function hostNameOfHeader(header: string): string | null {
  const value = header.trim();
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) return normalizeHostName(bracketed[1]!);
  const named = /^([A-Za-z0-9.-]{1,253})(?::\d{1,5})?$/.exec(value);
  return named ? normalizeHostName(named[1]!) : null;
}

/** Splits HALL_ALLOWED_HOSTS / --allowed-hosts: names or addresses separated by commas or spaces. */
export function parseAllowedHosts(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,]+/)
    .map((entry) => hostNameOfHeader(entry) ?? '')
    .filter((entry) => entry !== '');
}

const isLoopback = (address: string) => address === '::1' || address === 'localhost' || /^127\./.test(address) || address === '::ffff:127.0.0.1';
const isWildcard = (address: string) => address === '0.0.0.0' || address === '::' || address === '';

function machineAddresses(): string[] {
  const names = [normalizeHostName(hostname())];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) names.push(normalizeHostName(entry.address));
  }
  return names;
}

/**
 * Decides whether a Host header names this server. `listenHost` is what the
 * server was asked to listen on, `boundAddress` the address it got.
 */
export function createHostCheck(options: {
  listenHost: string;
  boundAddress: string;
  extra: readonly string[];
  clock?: () => number;
}): (header: string | undefined) => boolean {
  const now = options.clock ?? Date.now;
  const fixed = new Set<string>(options.extra.map(normalizeHostName));
  const listen = normalizeHostName(options.listenHost);
  const bound = normalizeHostName(options.boundAddress);
  const wildcard = isWildcard(listen) || isWildcard(bound);
  if (!isWildcard(listen)) fixed.add(listen);
  if (!isWildcard(bound)) fixed.add(bound);
  if (wildcard || isLoopback(listen) || isLoopback(bound)) for (const name of LOOPBACK_NAMES) fixed.add(name);
  let machine = new Set<string>(wildcard ? machineAddresses() : []);
  let machineReadAt = now();

  return (header) => {
    if (header === undefined) return false;
    const name = hostNameOfHeader(header);
    if (name === null) return false;
    if (fixed.has(name) || machine.has(name)) return true;
    if (!wildcard || now() - machineReadAt < INTERFACES_REFRESH_MS) return false;
    machine = new Set(machineAddresses());
    machineReadAt = now();
    return machine.has(name);
  };
}
