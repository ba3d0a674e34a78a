// `iptables-save` (and `iptables -S`) text → tables → chains → rules, with each rule's matches
// and target parsed. Accepts live output (`*nat`, `:CHAIN POLICY [0:0]`), istio-iptables
// transcripts (`* nat`, `-N CHAIN`) and bare `-S` lines (taken as the nat table).

export interface IptRule {
  table: string;
  chain: string;
  /** The rule as printed (`-A CHAIN …`). */
  line: string;
  /** 1-based line in the source text. */
  lineNo: number;
  tokens: string[];
  /** `-j X` or `-g X`; undefined when the rule only counts. */
  target?: string;
  goto: boolean;
}

export interface IptChain {
  policy?: string;
  rules: IptRule[];
}

export type IptTables = Map<string, Map<string, IptChain>>;

/** Splits like a shell would for iptables-save output: double quotes group, `\"` escapes. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line))
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

function chainOf(tables: IptTables, table: string, chain: string): IptChain {
  let t = tables.get(table);
  if (t === undefined) {
    t = new Map();
    tables.set(table, t);
  }
  let c = t.get(chain);
  if (c === undefined) {
    c = { rules: [] };
    t.set(chain, c);
  }
  return c;
}

export function parseIptablesSave(text: string): IptTables {
  const tables: IptTables = new Map();
  let table = 'nat';
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === 'COMMIT') return;
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      return;
    }
    const tokens = tokenize(line);
    if (line.startsWith(':')) {
      const [name, policy] = tokens;
      const c = chainOf(tables, table, name!.slice(1));
      if (policy !== undefined && policy !== '-') c.policy = policy;
    } else if (tokens[0] === '-N' && tokens[1]) chainOf(tables, table, tokens[1]);
    else if (tokens[0] === '-P' && tokens[1] && tokens[2])
      chainOf(tables, table, tokens[1]).policy = tokens[2];
    else if (tokens[0] === '-A' && tokens[1]) {
      const j = tokens.findIndex((t) => t === '-j' || t === '--jump' || t === '-g' || t === '--goto');
      const target = j === -1 ? undefined : tokens[j + 1];
      chainOf(tables, table, tokens[1]).rules.push({
        table,
        chain: tokens[1],
        line,
        lineNo: i + 1,
        tokens,
        ...(target === undefined ? {} : { target }),
        goto: j !== -1 && (tokens[j] === '-g' || tokens[j] === '--goto'),
      });
    }
  });
  return tables;
}

/** Every rule of a table, in order of appearance. */
export function allRules(tables: IptTables, table: string): IptRule[] {
  return [...(tables.get(table)?.values() ?? [])].flatMap((c) => c.rules).sort((a, b) => a.lineNo - b.lineNo);
}

/** The value after an option, and whether a `!` precedes the option (or its value). */
export function option(rule: IptRule, ...names: string[]): { value: string; negated: boolean } | undefined {
  const t = rule.tokens;
  const i = t.findIndex((x) => names.includes(x));
  if (i === -1) return undefined;
  let value = t[i + 1] ?? '';
  let negated = t[i - 1] === '!';
  if (value === '!') {
    negated = true;
    value = t[i + 2] ?? '';
  }
  return { value, negated };
}
