/**
 * `modelpress` declares only the subcommand it is asked to run (issue 13's start-up: declaring all
 * eleven took 5–15 ms of every start), and all of them for the top-level help, `help <command>` and
 * a mistyped name, so what a user sees is the same as when every command is declared.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const COMMANDS = ['bench', 'build', 'clean', 'complexity', 'watch', 'preview', 'profile', 'plan', 'run-unit', 'results', 'zoo'];

describe('modelpress subcommands', () => {
  it('lists every subcommand, in their order, under --help', async () => {
    const { code, out } = await runCli(['--help']);
    expect(code).toBe(0);
    const listed = [...out.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    expect(listed.filter((c) => c !== 'help')).toEqual(COMMANDS);
  });

  it('suggests the nearest command for a mistyped one (all are declared for it)', async () => {
    const { code, err } = await runCli(['profil', 'model.onnx']);
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'profil'");
    expect(err).toContain('Did you mean profile?');
  });

  it('answers help <command> and <command> --help alike', async () => {
    const viaHelp = await runCli(['help', 'profile']);
    const viaFlag = await runCli(['profile', '--help']);
    expect(viaFlag.code).toBe(0);
    expect(viaHelp.out).toBe(viaFlag.out);
    expect(viaFlag.out).toContain('Usage: modelpress profile [options] <model>');
  });
});
