// Which protoc-gen-validate rule kinds occur in a set of generated descriptors (and everything
// they contain): used to prove the validator covers every rule the Envoy types Vane emits carry.
import { type DescMessage, getOption, hasOption, isFieldSet, type Message } from '@bufbuild/protobuf';
import {
  disabled,
  type FieldRules,
  FieldRulesSchema,
  rules as fieldRulesExt,
  MessageRulesSchema,
  required as oneofRequired,
} from '../../gen/validate/validate_pb.js';

/** Rule kind (`string.min_len`, `oneof.required`, ...) → up to 3 fields where it occurs. */
export function ruleKindsIn(roots: readonly DescMessage[]): Map<string, string[]> {
  const kinds = new Map<string, string[]>();
  const add = (kind: string, where: string): void => {
    const list = kinds.get(kind) ?? [];
    if (list.length < 3) list.push(where);
    kinds.set(kind, list);
  };
  const setNames = (schema: DescMessage, msg: Message): string[] =>
    schema.fields.filter((f) => isFieldSet(msg, f)).map((f) => f.name);
  const hasUnknown = (m: Message): boolean => ((m as { $unknown?: unknown[] }).$unknown?.length ?? 0) > 0;
  const scanRules = (r: FieldRules, where: string): void => {
    // Fields validate.proto does not define (a newer PGV): reported as kind `unknown`.
    if (hasUnknown(r) || (r.type.case !== undefined && hasUnknown(r.type.value))) add('unknown', where);
    if (r.message !== undefined)
      for (const n of setNames(MessageRulesSchema, r.message)) add(`message.${n}`, where);
    const t = r.type;
    if (t.case === undefined) return;
    const kind = FieldRulesSchema.fields.find((f) => f.localName === t.case)!.name;
    const schema = FieldRulesSchema.fields.find((f) => f.localName === t.case)!.message!;
    for (const n of setNames(schema, t.value)) add(`${kind}.${n}`, where);
    if (t.case === 'repeated' && t.value.items !== undefined) scanRules(t.value.items, `${where}[]`);
    if (t.case === 'map' && t.value.keys !== undefined) scanRules(t.value.keys, `${where}{key}`);
    if (t.case === 'map' && t.value.values !== undefined) scanRules(t.value.values, `${where}{value}`);
  };
  const seen = new Set<string>();
  const walk = (d: DescMessage): void => {
    if (seen.has(d.typeName)) return;
    seen.add(d.typeName);
    if (hasOption(d, disabled) && getOption(d, disabled)) add('message.disabled', d.typeName);
    for (const o of d.oneofs) {
      if (hasOption(o, oneofRequired) && getOption(o, oneofRequired))
        add('oneof.required', `${d.typeName}.${o.name}`);
    }
    for (const f of d.fields) {
      if (hasOption(f, fieldRulesExt)) scanRules(getOption(f, fieldRulesExt), `${d.typeName}.${f.name}`);
      if (f.message !== undefined) walk(f.message);
    }
  };
  for (const r of roots) walk(r);
  return kinds;
}
