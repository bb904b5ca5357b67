import { type Genesis, GenesisConfigError, genesisToYaml, parseGenesisYaml } from '@pausenet/protocol';
import { CliError } from '../errors.js';
import { readTextFile, writeFileAtomic } from './files.js';

/** Parse genesis YAML text; invalid fields become one CliError line naming path, value and expectation. */
export function parseGenesisText(text: string, file: string): Genesis {
  try {
    return parseGenesisYaml(text);
  } catch (err) {
    if (err instanceof GenesisConfigError) {
      const issues = err.issues
        .map((i) => `${i.path || '(root)'} = ${i.value}: expected ${i.expected}`)
        .join('; ');
      throw new CliError('CONFIG', `invalid genesis ${file}: ${issues}`);
    }
    throw new CliError('CONFIG', `invalid genesis ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Read and validate a genesis file. */
export async function loadGenesis(file: string): Promise<Genesis> {
  return parseGenesisText(await readTextFile(file, 'genesis file'), file);
}

/** Write a genesis file (YAML, mode 0644, atomic). */
export async function writeGenesis(file: string, g: Genesis): Promise<void> {
  await writeFileAtomic(file, genesisToYaml(g), 0o644);
}
