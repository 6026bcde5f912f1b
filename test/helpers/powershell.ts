import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, type Node, Parser } from 'web-tree-sitter';

/** The shipped PowerShell scripts (templates/powershell/*.ps1), by file name. */
export const POWERSHELL_DIR = join(__dirname, '..', '..', 'templates', 'powershell');

export function shippedScripts(): { file: string; text: string }[] {
  return readdirSync(POWERSHELL_DIR)
    .filter((f) => f.endsWith('.ps1'))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(POWERSHELL_DIR, file), 'utf8') }));
}

export interface ParsedScript {
  /** ERROR and MISSING nodes, as "line:column type": empty for a script PowerShell would parse. */
  problems: string[];
  /** The names of the script's own param() block (not a function's), without the `$`. */
  params: string[];
  /** Every literal exit code: `exit N` and the scripts' `Exit-With N ...` helper. */
  exitCodes: number[];
}

let parser: Promise<Parser> | null = null;

/** PowerShell's grammar (tree-sitter-powershell) in web-tree-sitter: no native build, no pwsh. */
function powershellParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const language = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parser;
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const child of node.children) if (child) walk(child, visit);
}

const integerIn = (node: Node | null | undefined): number | null => {
  if (!node) return null;
  const found = node.descendantsOfType('decimal_integer_literal')[0];
  return found && /^\d+$/.test(node.text.trim()) ? Number(found.text) : null;
};

export async function parsePowerShell(text: string): Promise<ParsedScript> {
  const tree = (await powershellParser()).parse(text);
  if (!tree) throw new Error('the PowerShell grammar returned no tree');
  const problems: string[] = [];
  const exitCodes: number[] = [];
  walk(tree.rootNode, (n) => {
    if (n.isError || n.isMissing)
      problems.push(
        `${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.isMissing ? `MISSING ${n.type}` : 'ERROR'}`,
      );
    if (n.type === 'flow_control_statement' && /^exit\b/i.test(n.text)) {
      const code = integerIn(n.namedChildren[0]);
      if (code !== null) exitCodes.push(code);
    }
    if (n.type === 'command' && n.childForFieldName('command_name')?.text === 'Exit-With') {
      const first = n
        .childForFieldName('command_elements')
        ?.namedChildren.find((c) => c?.type !== 'command_argument_sep');
      const code = integerIn(first);
      if (code !== null) exitCodes.push(code);
    }
  });
  const block = tree.rootNode.children.find((c) => c?.type === 'param_block');
  const params = block
    ? block.descendantsOfType('script_parameter').map((p) => {
        const v = p?.children.find((c) => c?.type === 'variable');
        return (v?.text ?? '').replace(/^\$/, '');
      })
    : [];
  tree.delete();
  return { problems, params, exitCodes: [...new Set(exitCodes)].sort((a, b) => a - b) };
}
