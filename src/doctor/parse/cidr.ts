// Address-in-CIDR tests on top of the interception code's CIDR normaliser.
import { parseCidr } from '../../intercept/addr.js';

/** Whether `ip` lies in `cidr` (`10.7.240.0/20`, `10.0.0.1`, `::1/128`); false when either is invalid. */
export function cidrContains(cidr: string, ip: string): boolean {
  const net = parseCidr(cidr);
  const len = net?.text.split('/')[1];
  if (net === null || len === undefined) return false;
  const host = parseCidr(`${ip}/${len}`);
  return host !== null && host.family === net.family && host.text === net.text;
}

export function isLoopback(ip: string): boolean {
  return cidrContains('127.0.0.0/8', ip) || cidrContains('::1/128', ip);
}
