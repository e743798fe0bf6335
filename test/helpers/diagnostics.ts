/**
 * Diagnostics that depend on the state of the machine running the tests, not on the document: a
 * benchmark on a shared, busy machine may come out unstable or be flagged busy. Tests that assert a
 * document's diagnostics leave these out (test/document/unstable.test.ts asserts them on purpose).
 */
export const MACHINE_DEPENDENT_RULES: readonly string[] = ['unstable-measurement', 'busy-machine', 'refresh-changed'];

export function machineIndependent<T extends { ruleId?: string | null | undefined }>(messages: readonly T[]): T[] {
  return messages.filter((m) => !MACHINE_DEPENDENT_RULES.includes(m.ruleId ?? ''));
}
