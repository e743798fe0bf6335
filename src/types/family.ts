/**
 * What a model family is (src/zoo/families.ts builds them; analysis sweeps and fits them, documents
 * and the CLI show them): size variables to sweep, the paper's claims, and a builder. Here, apart
 * from both, so that measuring a family does not import the zoo.
 */
import type { Said } from '../i18n/index.js';
import type { Model } from '../onnx/model.js';

export type Vars = Record<string, number>;

export interface FamilyVariable {
  description: string;
  /** Value when the variable is not swept. */
  default: number;
  /** Values swept when none are given. */
  sweep: number[];
  /** Why a value cannot be built, or undefined when it can. */
  check?: (v: number) => Said | undefined;
}

export interface ModelFamily {
  name: string;
  label: string;
  description: string;
  variables: Record<string, FamilyVariable>;
  /**
   * The quantities a power law is fitted against, computed from the variables (default: the
   * variables themselves). ViT and Swin are built from the image side and fitted against tokens.
   */
  axes?: (v: Vars) => Vars;
  /** Claimed exponents of the complexity per fitted axis, and the claim as written. */
  claim: { exponents: Record<string, number>; text: string };
  /** Claimed sequential operations: exponents per axis (0 = O(1)) and as written. */
  sequential: { exponents: Record<string, number>; text: string };
  /** Maximum path length between two positions in a stack of these layers, derived from the construction. */
  pathLength?: { text: string; derivation: string; value: (v: Vars) => number };
  /** The metric the claim is about (`macs`, or `attention_macs` for the vision models). */
  claimMetric: 'macs' | 'attention_macs';
  /** Why a combination of values cannot be built (beyond each variable's own check). */
  checkPoint?: (v: Vars) => Said | undefined;
  build(v: Vars, seed: number): { model: Model; inputs: Record<string, number[]> };
}
