/** IPv4 subnets in CIDR notation ('172.18.0.0/16'): enough to tell whether a peer is inside one. */

function toNumber(address: string): number | undefined {
  const parts = address.replace(/^::ffff:/i, '').split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** Whether `address` (IPv4, or IPv4-mapped IPv6) lies in `cidr`; false for anything it cannot read. */
export function isInSubnet(address: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const a = toNumber(address);
  const b = base === undefined ? undefined : toNumber(base);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

export function isInAnySubnet(address: string | undefined, cidrs: readonly string[]): boolean {
  return address !== undefined && cidrs.some((cidr) => isInSubnet(address, cidr));
}
