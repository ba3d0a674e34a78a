// How protobuf-es holds message-typed values in a message: the rules every piece of Vane that
// reads or builds messages without its reflection API (templates, the encoder, the validator)
// must agree on.
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { isWrapperDesc } from '@bufbuild/protobuf/wkt';

/** The message type a field holds, itself or as list items or map values; none for scalars. */
export function messageTypeOf(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case 'message':
      return field.message;
    case 'list':
      return field.listKind === 'message' ? field.message : undefined;
    case 'map':
      return field.mapKind === 'message' ? field.message : undefined;
    default:
      return undefined;
  }
}

/**
 * How the messages of a field are held: a singular wrapper field outside a oneof holds the
 * wrapped scalar (`scalar`); google.protobuf.Struct, anywhere but inside google.protobuf.Value,
 * a JSON object (`json`); everything else the message itself.
 */
export function heldAs(field: DescField, type: DescMessage): 'message' | 'scalar' | 'json' {
  if (type.typeName === 'google.protobuf.Struct' && field.parent.typeName !== 'google.protobuf.Value')
    return 'json';
  if (field.fieldKind === 'message' && field.oneof === undefined && isWrapperDesc(type)) return 'scalar';
  return 'message';
}
