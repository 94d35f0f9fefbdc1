// Workflow definitions kept as files (JSON or YAML), for `rondo validate`, `apply` and
// `export`: read a file or a folder tree, check every definition offline with the very
// validation a save runs, and write definitions back in a form `apply` reads unchanged.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { validateWorkflowDefinition } from '#shared/engine/workflows.ts';
import { ValidationError } from '#shared/errors.ts';
import type { WorkflowDefinition } from '#shared/model/workflow.ts';

export const WORKFLOW_FILE_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;
export type WorkflowFileFormat = 'json' | 'yaml';

export type WorkflowFile = { file: string; definition: WorkflowDefinition };
/** A fault in one file: its path inside the definition (empty for the file as a whole) and a code. */
export type FileFault = { file: string; path: string; code: string; message: string };

/** Every workflow file under `target` (a file, or a folder searched recursively), sorted by path. */
export async function listWorkflowFiles(target: string): Promise<string[]> {
  const info = await stat(target);
  if (info.isFile()) return [target];
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      // Hidden folders (.git, .github) and node_modules hold YAML that is not ours.
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      // A symbolic link counts as what it points to.
      const kind = entry.isSymbolicLink() ? await stat(path).catch(() => undefined) : entry;
      if (kind?.isDirectory()) await walk(path);
      else if (
        kind?.isFile() &&
        (WORKFLOW_FILE_EXTENSIONS as readonly string[]).includes(extname(entry.name).toLowerCase())
      ) {
        found.push(path);
      }
    }
  };
  await walk(target);
  return found.sort();
}

/**
 * Reads and validates every workflow file under `target`. Answers the valid definitions and
 * every fault: unreadable files, syntax errors, validation faults (with their paths), and
 * one workflow id defined by two files.
 */
export async function readWorkflowFiles(
  target: string,
): Promise<{ files: WorkflowFile[]; faults: FileFault[] }> {
  const files: WorkflowFile[] = [];
  const faults: FileFault[] = [];
  const paths = await listWorkflowFiles(target);
  if (paths.length === 0) {
    faults.push({
      file: target,
      path: '',
      code: 'NO_WORKFLOW_FILES',
      message: `no ${WORKFLOW_FILE_EXTENSIONS.join(', ')} files`,
    });
  }
  const definedBy = new Map<string, string>();
  for (const file of paths) {
    let document: unknown;
    try {
      document = parseDocument(file, await readFile(file, 'utf8'));
    } catch (error) {
      // One line: YAML's messages go on to quote the source around the fault.
      const message = ((error as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
      faults.push({ file, path: '', code: 'UNREADABLE_FILE', message });
      continue;
    }
    try {
      const definition = validateWorkflowDefinition(document);
      const first = definedBy.get(definition.id);
      if (first) {
        faults.push({
          file,
          path: 'id',
          code: 'DUPLICATE_WORKFLOW_ID',
          message: `workflow '${definition.id}' is already defined by ${first}`,
        });
        continue;
      }
      definedBy.set(definition.id, file);
      files.push({ file, definition });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const detail of error.details.length > 0
        ? error.details
        : [{ path: '', message: error.message }]) {
        faults.push({ file, path: detail.path, code: detail.code ?? error.code, message: detail.message });
      }
    }
  }
  return { files, faults };
}

function parseDocument(file: string, text: string): unknown {
  if (extname(file).toLowerCase() === '.json') return JSON.parse(text);
  return parseYaml(text, { prettyErrors: true });
}

/** A definition as a file's text: what `export` writes and `apply` reads back unchanged. */
export function formatWorkflowFile(definition: WorkflowDefinition, format: WorkflowFileFormat): string {
  return format === 'yaml'
    ? stringifyYaml(definition, { lineWidth: 0 })
    : `${JSON.stringify(definition, null, 2)}\n`;
}

/** `file: path: message (CODE)` lines, paths relative to the working directory. */
export function formatFileFaults(faults: FileFault[], cwd = process.cwd()): string[] {
  return faults.map(
    (f) => `${relative(cwd, f.file) || f.file}: ${f.path ? `${f.path}: ` : ''}${f.message} (${f.code})`,
  );
}
