import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatWorkflowFile, readWorkflowFiles } from '#cli/workflow-files.ts';

const workflow = (id: string) => ({ id, name: id, tasks: [{ id: 'only', type: 'noop' }] });

describe('readWorkflowFiles', () => {
  it('reads JSON and YAML files of a folder tree, sorted by path, with their defaults filled in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rondo-files-'));
    await mkdir(join(dir, 'finance'));
    await writeFile(join(dir, 'b.json'), JSON.stringify(workflow('b')));
    await writeFile(join(dir, 'finance', 'a.yml'), 'id: a\nname: a\ntasks:\n  - { id: only, type: noop }\n');
    await writeFile(join(dir, 'notes.txt'), 'not a workflow');
    const { files, faults } = await readWorkflowFiles(dir);
    expect(faults).toEqual([]);
    expect(files.map((f) => [f.file.slice(dir.length + 1), f.definition.id])).toEqual([
      ['b.json', 'b'],
      [join('finance', 'a.yml'), 'a'],
    ]);
    expect(files[1]?.definition.tasks[0]?.retry.maxRetries).toBe(5);
  });

  it('reports every fault with its file: syntax, validation paths, an id defined twice, an empty folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rondo-files-'));
    await writeFile(join(dir, '1.json'), JSON.stringify(workflow('same')));
    await writeFile(join(dir, '2.json'), JSON.stringify(workflow('same')));
    await writeFile(join(dir, '3.json'), '{ "id": ');
    await writeFile(join(dir, '4.yaml'), 'id: Bad Id\nname: x\ntasks: []\n');
    const { files, faults } = await readWorkflowFiles(dir);
    expect(files.map((f) => f.definition.id)).toEqual(['same']);
    expect(faults.map((f) => [f.file.slice(dir.length + 1), f.path, f.code])).toEqual([
      ['2.json', 'id', 'DUPLICATE_WORKFLOW_ID'],
      ['3.json', '', 'UNREADABLE_FILE'],
      ['4.yaml', 'id', 'invalid_format'],
      ['4.yaml', 'tasks', 'too_small'],
    ]);
    const empty = await mkdtemp(join(tmpdir(), 'rondo-files-'));
    expect((await readWorkflowFiles(empty)).faults.map((f) => f.code)).toEqual(['NO_WORKFLOW_FILES']);
  });

  it('reads back what formatWorkflowFile writes, in both formats', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rondo-files-'));
    const [original] = (await readWorkflowFiles(await writeJson(dir, workflow('round')))).files;
    for (const format of ['json', 'yaml'] as const) {
      const file = join(dir, `copy.${format}`);
      await writeFile(file, formatWorkflowFile(original!.definition, format));
      expect((await readWorkflowFiles(file)).files[0]?.definition).toEqual(original?.definition);
    }
  });
});

async function writeJson(dir: string, value: unknown): Promise<string> {
  const file = join(dir, 'original.json');
  await writeFile(file, JSON.stringify(value));
  return file;
}
