/** Op family 'conv': shape rule, value propagation and cost under every convention. */
import type { OpRule } from '../types.js';

export const rules: OpRule[] = [];
