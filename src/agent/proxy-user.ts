import { readFileSync } from 'node:fs';

export interface ProxyUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The user the proxy runs as, by name or numeric UID, from /etc/passwd. A numeric UID
 * without an entry is allowed (containers often have none); its group is the same number.
 */
export function resolveProxyUser(user: string, passwdFile = '/etc/passwd'): ProxyUser {
  let passwd = '';
  try {
    passwd = readFileSync(passwdFile, 'utf8');
  } catch {
    // no passwd file: only numeric UIDs resolve
  }
  const entries = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 4 && !f[0]!.startsWith('#'));
  const numeric = /^\d+$/.test(user);
  const entry = entries.find((f) => (numeric ? f[2] === user : f[0] === user));
  if (entry) return { name: entry[0]!, uid: Number(entry[2]), gid: Number(entry[3]) };
  if (numeric) return { name: user, uid: Number(user), gid: Number(user) };
  throw new Error(
    `proxy user '${user}' does not exist: create it (useradd --system --no-create-home ${user}) or set proxy-user to an existing user or UID`,
  );
}
