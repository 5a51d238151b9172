// Every resource kind Trellis reads, in one list that validation looks kinds up in.
import type { KindDef } from '../kind.js';
import { destinationRuleKind } from './destination-rule.js';
import { virtualServiceKind } from './virtual-service.js';

// biome-ignore lint/suspicious/noExplicitAny: each kind has its own spec type; the list holds them all
export const KINDS: readonly KindDef<any>[] = [virtualServiceKind, destinationRuleKind];
