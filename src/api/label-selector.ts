// Kubernetes label selectors in their string form (k8s.io/apimachinery/pkg/labels/selector.go `Parse`): equality
// (`a=b`, `a==b`, `a!=b`), set-based (`a in (x,y)`, `a notin (x,y)`, `a`, `!a`) and `a>1` / `a<1`, joined by commas
// (all must hold). Used for trigger parameters such as kubernetes-workload's podSelector.

export type Operator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export class LabelSelectorError extends Error {
  override name = 'LabelSelectorError';
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkKey(key: string): void {
  const slash = key.indexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  if (prefix !== undefined && !DNS_SUBDOMAIN.test(prefix)) throw new LabelSelectorError(`invalid label key "${key}": the prefix must be a DNS subdomain`);
  if (!NAME.test(name))
    throw new LabelSelectorError(
      `invalid label key "${key}": a name must be at most 63 characters, start and end with a letter or digit, and hold only letters, digits, '-', '_' and '.'`,
    );
}

function checkValue(value: string): void {
  if (!VALUE.test(value))
    throw new LabelSelectorError(
      `invalid label value "${value}": at most 63 characters, empty or starting and ending with a letter or digit, with only letters, digits, '-', '_' and '.'`,
    );
}

/** Parse a selector; throws LabelSelectorError saying what is wrong. An empty string selects everything. */
export function parseLabelSelector(text: string): Requirement[] {
  const out: Requirement[] = [];
  let i = 0;
  const s = text;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const word = () => {
    ws();
    const start = i;
    while (i < s.length && !/[\s,()=!<>]/.test(s[i])) i++;
    return s.slice(start, i);
  };
  ws();
  if (i === s.length) return out;
  for (;;) {
    ws();
    let negate = false;
    if (s[i] === '!') {
      negate = true;
      i++;
    }
    const key = word();
    if (!key) throw new LabelSelectorError(`expected a label key at position ${i} of "${text}"`);
    checkKey(key);
    ws();
    if (negate) {
      out.push({ key, operator: '!', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      out.push({ key, operator: 'exists', values: [] });
    } else {
      let op: Operator;
      if (s.startsWith('==', i)) {
        op = '==';
        i += 2;
      } else if (s.startsWith('!=', i)) {
        op = '!=';
        i += 2;
      } else if (s[i] === '=') {
        op = '=';
        i += 1;
      } else if (s[i] === '>') {
        op = 'gt';
        i += 1;
      } else if (s[i] === '<') {
        op = 'lt';
        i += 1;
      } else {
        const w = word();
        if (w !== 'in' && w !== 'notin') throw new LabelSelectorError(`expected =, ==, !=, in, notin, > or < after "${key}", got "${w || s[i]}"`);
        op = w;
      }
      if (op === 'in' || op === 'notin') {
        ws();
        if (s[i] !== '(') throw new LabelSelectorError(`expected ( after "${key} ${op}"`);
        i++;
        const close = s.indexOf(')', i);
        if (close < 0) throw new LabelSelectorError(`missing ) after "${key} ${op} ("`);
        const values = s
          .slice(i, close)
          .split(',')
          .map((v) => v.trim());
        i = close + 1;
        if (values.length === 1 && values[0] === '') throw new LabelSelectorError(`"${key} ${op} ()" needs at least one value`);
        values.forEach(checkValue);
        out.push({ key, operator: op, values: [...new Set(values)].sort() });
      } else {
        const value = word();
        if (op === 'gt' || op === 'lt') {
          if (!/^-?\d+$/.test(value)) throw new LabelSelectorError(`"${key} ${op === 'gt' ? '>' : '<'}" needs a whole number, got "${value}"`);
        } else checkValue(value);
        out.push({ key, operator: op, values: [value] });
      }
    }
    ws();
    if (i >= s.length) break;
    if (s[i] !== ',') throw new LabelSelectorError(`expected , between requirements at position ${i} of "${text}"`);
    i++;
  }
  return out;
}

/** Whether `labels` satisfy every requirement (apimachinery Requirement.Matches). */
export function matchesLabels(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = has ? labels[r.key] : undefined;
    switch (r.operator) {
      case 'in':
      case '=':
      case '==':
        return has && r.values.includes(v!);
      case 'notin':
      case '!=':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        return r.operator === 'gt' ? Number(v) > Number(r.values[0]) : Number(v) < Number(r.values[0]);
      }
    }
  });
}

/** The canonical string form (sorted by key, as apimachinery's String()), for the API server's labelSelector. */
export function formatLabelSelector(requirements: readonly Requirement[]): string {
  return [...requirements]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
        default:
          return `${r.key}${r.operator}${r.values[0]}`;
      }
    })
    .join(',');
}
