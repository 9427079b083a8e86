/**
 * The registry: every command by name, in the order ferry --help lists them. A command is a
 * module of this folder exporting its usage (its lines in ferry --help), its options and
 * run(ctx); it is loaded only when it runs, so ferry presign loads none of cp's code, and
 * ferry --help and ferry --version none of the SDK.
 */
import { SHARED_OPTIONS, type Context, type OptionSpec, type OptionSpecs, type UsageLine } from '../context';

export interface CommandModule {
  usage: readonly UsageLine[];
  /** The options it reads besides the shared ones (context.ts). */
  options: OptionSpecs;
  /** Its only work is what it prints: a closed stdout (ferry ls | head -1) ends it, quietly, with 0. */
  outputOnly?: boolean;
  run(ctx: Context): Promise<void>;
}

const COMMANDS = {
  ls: () => import('./ls'),
  mb: () => import('./mb'),
  cp: () => import('./cp'),
  mv: () => import('./mv'),
  rm: () => import('./rm'),
  rb: () => import('./rb'),
  presign: () => import('./presign'),
  share: () => import('./share'),
  request: () => import('./request'),
  requests: () => import('./requests'),
  links: () => import('./links'),
  uploads: () => import('./uploads'),
  accounts: () => import('./accounts'),
} satisfies Record<string, () => Promise<CommandModule>>;

/** The commands' names, in the order of the help. */
export const commandNames = (): string[] => Object.keys(COMMANDS);

/** The command of this name, loaded; undefined when there is none. */
export function loadCommand(name: string): Promise<CommandModule> | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name as keyof typeof COMMANDS]() : undefined;
}

/** Every command, loaded, in the order of the help. */
export async function loadCommands(): Promise<Array<[name: string, command: CommandModule]>> {
  return Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, await load()] as [string, CommandModule]));
}

/**
 * The shared options and those of the commands given, as one table. An option several commands
 * take must be the same option everywhere (type and short name); its line in ferry --help is
 * written where it is declared once, or shared as one spec.
 */
export function optionTable(commands: CommandModule[]): Record<string, OptionSpec> {
  const table: Record<string, OptionSpec> = { ...SHARED_OPTIONS };
  for (const { options } of commands) {
    for (const [name, spec] of Object.entries(options)) {
      const known = table[name];
      if (known && (known.type !== spec.type || known.short !== spec.short || (known.help && spec.help && known.help.join('\n') !== spec.help.join('\n')))) {
        throw new Error(`The option --${name} is declared two ways.`);
      }
      table[name] = known?.help ? known : spec;
    }
  }
  return table;
}
