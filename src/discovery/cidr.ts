/**
 * Scan targets as users write them (`192.168.1.0/24`, `192.168.1.10`, `gpu-box`, `::1`), parsed
 * into ranges and expanded into host addresses. Pure: no DNS, no sockets. Anything Hydra would
 * not scan (a malformed range, one larger than /16, an IPv6 range) is refused with a ConfigError
 * that says what to write instead, so a typo fails at config load and never as a silent no-op.
 */
import { isIPv6 } from "node:net";
import { ConfigError } from "../errors.js";

/** The smallest prefix length scanned: a /16 is 65,536 addresses, minutes of probing already. */
export const MIN_SCAN_PREFIX = 16;
export const MAX_SCAN_ADDRESSES = 2 ** (32 - MIN_SCAN_PREFIX);

export type ScanTarget =
  /** An IPv4 range or a single IPv4 address (prefix 32); `first`..`last` are the hosts to probe. */
  | { kind: "ipv4"; text: string; prefix: number; first: number; last: number }
  /** A host name or a single IPv6 address, probed as written (`host` has no brackets). */
  | { kind: "host"; text: string; host: string };

const EXAMPLES = "a range like 192.168.1.0/24, an address like 192.168.1.10, or a host name like gpu-box";

function refuse(raw: string, problem: string): never {
  throw new ConfigError(`scan target ${JSON.stringify(raw)}: ${problem}`);
}

/** Parses dotted-quad IPv4 (exactly four decimal octets, no leading zeros) into an unsigned 32-bit number. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    // "010" is octal to some tools and decimal to others; refusing it avoids scanning the wrong net.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** The host as it goes into a URL: IPv6 addresses in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

function isUsableHost(host: string): boolean {
  try {
    // The WHATWG parser refuses some names the pattern lets through (e.g. "box.123").
    new URL(`http://${hostForUrl(host)}/`);
    return true;
  } catch {
    return false;
  }
}

/** Parses one scan target; throws ConfigError saying what is wrong and what to write instead. */
export function parseTarget(raw: string): ScanTarget {
  const text = raw.trim();
  if (text === "") refuse(raw, `it is empty; give ${EXAMPLES}`);
  if (/\s/.test(text)) refuse(raw, `it contains spaces; give ${EXAMPLES} (one target per entry)`);
  if (text.includes("://"))
    refuse(
      raw,
      `give the host or range alone, without a scheme (e.g. 192.168.1.10, not http://192.168.1.10)`,
    );

  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const [address = "", prefixText, ...extra] = bare.split("/");
  if (address.includes(":")) {
    if (prefixText !== undefined)
      refuse(
        raw,
        "IPv6 ranges are not supported (even the smallest subnet is too large to scan); " +
          "give IPv4 ranges like 192.168.1.0/24, or single IPv6 addresses like ::1",
      );
    if (isIPv6(address) && isUsableHost(address)) return { kind: "host", text, host: address.toLowerCase() };
    if (/^[^:]+:\d+$/.test(address))
      refuse(raw, `give the address without a port (${address.split(":")[0]}) and the port separately`);
    refuse(raw, `not an IPv6 address; give ${EXAMPLES}`);
  }
  if (extra.length > 0) refuse(raw, `it has more than one "/"; write a range like 192.168.1.0/24`);

  const looksNumeric = /^[\d.]+$/.test(address);
  if (prefixText === undefined && !looksNumeric) {
    if (HOST_NAME.test(address) && isUsableHost(address))
      return { kind: "host", text, host: address.toLowerCase() };
    refuse(raw, `not a CIDR range, an IPv4 address or a host name; give ${EXAMPLES}`);
  }

  const base = parseIpv4(address);
  if (base === undefined)
    refuse(
      raw,
      `${JSON.stringify(address)} is not an IPv4 address: write four numbers 0-255 separated by dots, like 192.168.1.0`,
    );
  if (prefixText === undefined) return { kind: "ipv4", text, prefix: 32, first: base, last: base };
  if (prefixText === "") refuse(raw, `the prefix length after "/" is missing; write e.g. ${address}/24`);
  if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32)
    refuse(
      raw,
      `/${prefixText} is not an IPv4 prefix length; use /${MIN_SCAN_PREFIX} to /32, e.g. ${address}/24`,
    );
  const prefix = Number(prefixText);
  if (prefix < MIN_SCAN_PREFIX) {
    const size = (2 ** (32 - prefix)).toLocaleString("en-US");
    refuse(
      raw,
      `/${prefix} is ${size} addresses, more than the ${MAX_SCAN_ADDRESSES.toLocaleString("en-US")} (/${MIN_SCAN_PREFIX}) ` +
        `Hydra scans at once; narrow it to the subnet your nodes are in (e.g. ${formatIpv4(base & maskOf(24))}/24) ` +
        `or split it into /${MIN_SCAN_PREFIX} ranges`,
    );
  }
  // Host bits set ("192.168.1.7/24") are forgiven, like nmap: the range is the one that contains them.
  const network = (base & maskOf(prefix)) >>> 0;
  const broadcast = (network | ~maskOf(prefix)) >>> 0;
  // On a /31 (RFC 3021 point-to-point) and a /32 every address is a host.
  const [first, last] = prefix <= 30 ? [network + 1, broadcast - 1] : [network, broadcast];
  return { kind: "ipv4", text, prefix, first, last };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses every target, so one bad entry fails the whole list before anything is probed. */
export function parseTargets(raw: readonly string[]): ScanTarget[] {
  return raw.map(parseTarget);
}

/** How many hosts a target expands to. */
export function targetSize(target: ScanTarget): number {
  return target.kind === "ipv4" ? target.last - target.first + 1 : 1;
}

/** The hosts of a target, lazily, in address order. */
export function* expandTarget(target: ScanTarget): Generator<string> {
  if (target.kind === "host") {
    yield target.host;
    return;
  }
  for (let address = target.first; address <= target.last; address++) yield formatIpv4(address);
}
