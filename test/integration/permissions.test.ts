// Permissions (PRODUCT.md §4) through HTTP as each kind of caller: the workflow's owner,
// a collaborator, a user, a folder user, a stranger and an admin.
import { describe, expect, it } from 'vitest';
import { api, eventually, unique } from './support.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('permissions', () => {
  it('lets each role do what PRODUCT.md §4 gives it, hides workflows from strangers, and refuses the rest with 403', async () => {
    const folder = `/${unique('perm')}`;
    const id = unique('permwf');
    const definition = { id, name: id, folder: `${folder}/etl`, tasks: [{ id: 'only', type: 'noop' }] };
    const as = (user: string) => ({
      get: (path: string) => api<Record<string, unknown> & ErrorBody>('GET', path, { user }),
      post: (path: string, body: unknown = {}) =>
        api<Record<string, unknown> & ErrorBody>('POST', path, { user, body }),
      put: (path: string, body: unknown) =>
        api<Record<string, unknown> & ErrorBody>('PUT', path, { user, body }),
      delete: (path: string) => api<Record<string, unknown> & ErrorBody>('DELETE', path, { user }),
    });
    const [alice, carol, uma, fred, sam, admin] = ['alice', 'carol', 'uma', 'fred', 'sam', 'admin'].map(
      as,
    ) as [
      ReturnType<typeof as>,
      ReturnType<typeof as>,
      ReturnType<typeof as>,
      ReturnType<typeof as>,
      ReturnType<typeof as>,
      ReturnType<typeof as>,
    ];

    // alice creates it, and with it its folder, which she owns.
    expect((await alice.post('/v1/workflows', definition)).status).toBe(201);
    expect(
      (await alice.put(`/v1/workflows/${id}/permissions`, { collaborators: ['carol'], users: ['uma'] }))
        .status,
    ).toBe(200);

    // A stranger sees nothing: 404, even for actions; lists leave it out.
    expect((await sam.get(`/v1/workflows/${id}`)).status).toBe(404);
    expect((await sam.post(`/v1/workflows/${id}/runs`)).status).toBe(404);
    expect((await sam.put(`/v1/workflows/${id}`, { ...definition, name: 'mine now' })).status).toBe(404);
    const samList = await sam.get(`/v1/workflows?folder=${folder}`);
    expect(samList.body.items).toEqual([]);
    // ...and cannot create in alice's folder.
    const samCreates = await sam.post('/v1/workflows', { ...definition, id: `${id}-sam` });
    expect(samCreates.status).toBe(403);
    expect(samCreates.body.error.code).toBe('FORBIDDEN');

    // A user views and runs, and reads instances; no editing, no operating.
    const run = await uma.post(`/v1/workflows/${id}/runs`);
    expect(run.status).toBe(201);
    const runId = String(run.body.id);
    await eventually(async () =>
      (await uma.get(`/v1/runs/${runId}`)).body.status === 'SUCCESS' ? true : undefined,
    );
    expect((await uma.get(`/v1/instances/${runId}.only`)).status).toBe(200);
    expect((await uma.put(`/v1/workflows/${id}`, { ...definition, name: 'renamed' })).status).toBe(403);
    expect((await uma.post(`/v1/instances/${runId}.only/mark-success`)).status).toBe(403);
    expect((await sam.get(`/v1/instances/${runId}.only`)).status).toBe(404);
    const samInstances = await sam.get(`/v1/instances?workflowId=${id}`);
    expect(samInstances.body.items).toEqual([]);
    const umaInstances = await uma.get(`/v1/instances?workflowId=${id}`);
    expect((umaInstances.body.items as unknown[]).length).toBe(1);

    // A collaborator edits, runs and operates; not delete, permissions or ownership.
    expect((await carol.put(`/v1/workflows/${id}`, { ...definition, name: 'renamed by carol' })).status).toBe(
      200,
    );
    const operate = await carol.post(`/v1/instances/${runId}.only/terminate`);
    expect(operate.status).toBe(409); // allowed to operate; the instance has finished
    expect((await carol.delete(`/v1/workflows/${id}`)).status).toBe(403);
    expect(
      (await carol.put(`/v1/workflows/${id}/permissions`, { collaborators: [], users: ['carol'] })).status,
    ).toBe(403);
    expect((await carol.post(`/v1/workflows/${id}/owner`, { owner: 'carol' })).status).toBe(403);

    // Folder users view what is below the folder and create workflows in it; they do not run them.
    expect(
      (await sam.put('/v1/folders/permissions', { path: `${folder}/etl`, owners: ['sam'], users: [] }))
        .status,
    ).toBe(403);
    expect(
      (
        await alice.put('/v1/folders/permissions', {
          path: `${folder}/etl`,
          owners: ['alice'],
          users: ['fred'],
        })
      ).status,
    ).toBe(200);
    expect((await fred.get(`/v1/workflows/${id}`)).status).toBe(200);
    expect((await fred.post(`/v1/workflows/${id}/runs`)).status).toBe(403);
    expect((await fred.post('/v1/workflows', { ...definition, id: `${id}-fred`, name: 'fred' })).status).toBe(
      201,
    );
    // Subfolders: only the folder's owners.
    expect((await fred.post('/v1/folders', { path: `${folder}/etl/fred` })).status).toBe(403);
    expect((await alice.post('/v1/folders', { path: `${folder}/etl/sub` })).status).toBe(201);
    expect((await alice.post('/v1/folders', { path: `${folder}/etl/sub` })).status).toBe(409);
    const folders = await fred.get(`/v1/folders?parent=${folder}`);
    expect((folders.body.items as { path: string }[]).map((f) => f.path).sort()).toEqual([
      `${folder}/etl`,
      `${folder}/etl/sub`,
    ]);
    expect(((await sam.get(`/v1/folders?parent=${folder}`)).body.items as unknown[]).length).toBe(0);

    // Admins may do everything; resource groups are theirs alone.
    expect((await admin.get(`/v1/workflows/${id}`)).status).toBe(200);
    expect((await sam.put(`/v1/resource-groups/${unique('rg')}`, { limit: 2 })).status).toBe(403);
    expect((await admin.put(`/v1/resource-groups/${unique('rg')}`, { limit: 2 })).status).toBe(200);

    // Records name who did what; the owner deletes it.
    const records = await admin.get(`/v1/instances/${runId}.only/operations`);
    expect(
      (records.body.items as { actor: string; action: string }[]).map((r) => [r.actor, r.action]),
    ).toEqual([['carol', 'terminate']]);
    expect((await alice.delete(`/v1/workflows/${id}`)).status).toBe(200);
  }, 60_000);

  it('renames a folder with what is below it, keeping permissions, and deletes only empty folders', async () => {
    const root = `/${unique('mv')}`;
    const user = (name: string) => ({
      get: (path: string) => api<Record<string, unknown> & ErrorBody>('GET', path, { user: name }),
      post: (path: string, body: unknown = {}) =>
        api<Record<string, unknown> & ErrorBody>('POST', path, { user: name, body }),
      delete: (path: string) => api<Record<string, unknown> & ErrorBody>('DELETE', path, { user: name }),
      put: (path: string, body: unknown) =>
        api<Record<string, unknown> & ErrorBody>('PUT', path, { user: name, body }),
    });
    const olga = user('olga');
    const vic = user('vic');
    const id = unique('mvwf');
    expect(
      (
        await olga.post('/v1/workflows', {
          id,
          name: id,
          folder: `${root}/etl`,
          tasks: [{ id: 'a', type: 'noop' }],
        })
      ).status,
    ).toBe(201);
    expect((await olga.post('/v1/folders', { path: `${root}/etl/sub` })).status).toBe(201);
    expect(
      (await olga.put('/v1/folders/permissions', { path: `${root}/etl`, owners: ['olga'], users: ['vic'] }))
        .status,
    ).toBe(200);

    const notEmpty = await olga.delete(`/v1/folders?path=${root}/etl`);
    expect(notEmpty.status).toBe(409);
    expect(
      (await vic.post('/v1/folders/move', { path: `${root}/etl`, to: `${root}/pipelines` })).status,
    ).toBe(403);
    expect(
      (await olga.post('/v1/folders/move', { path: `${root}/etl`, to: `${root}/etl/inner` })).status,
    ).toBe(409);

    const moved = await olga.post('/v1/folders/move', { path: `${root}/etl`, to: `${root}/pipelines` });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ workflows: 1, folders: 2 });
    const { body: workflow } = await olga.get(`/v1/workflows/${id}`);
    expect(workflow).toMatchObject({ version: 2, definition: { folder: `${root}/pipelines` } });
    const folders = await olga.get(`/v1/folders?parent=${root}`);
    expect((folders.body.items as { path: string }[]).map((f) => f.path)).toEqual([
      `${root}/pipelines`,
      `${root}/pipelines/sub`,
    ]);
    // The folder's users came along: vic still sees the workflow.
    expect((await vic.get(`/v1/workflows/${id}`)).status).toBe(200);
    expect((await olga.delete(`/v1/folders?path=${root}/pipelines/sub`)).status).toBe(200);
    expect((await olga.delete(`/v1/folders?path=${root}/pipelines/sub`)).status).toBe(404);
  });

  it('keeps strangers out of others folders, references and lineage', async () => {
    const root = `/${unique('guard')}`;
    const as = (name: string) => ({
      get: (path: string) => api<Record<string, unknown> & ErrorBody>('GET', path, { user: name }),
      post: (path: string, body: unknown = {}) =>
        api<Record<string, unknown> & ErrorBody>('POST', path, { user: name, body }),
    });
    const alice = as('alice');
    const bob = as('bob');
    const mallory = as('mallory');
    const w1 = unique('guardw1');
    const w2 = unique('guardw2');
    expect(
      (
        await alice.post('/v1/workflows', {
          id: w1,
          name: w1,
          folder: `${root}/a/b`,
          tasks: [{ id: 'c', type: 'noop' }],
        })
      ).status,
    ).toBe(201);
    // The whole chain of folders is alice's: nobody claims one above hers.
    expect((await mallory.post('/v1/folders', { path: root })).status).toBe(409);
    expect(
      (
        await mallory.post('/v1/workflows', {
          id: unique('m'),
          name: 'm',
          folder: root,
          tasks: [{ id: 'x', type: 'noop' }],
        })
      ).status,
    ).toBe(403);
    // Nor finishes a "move" that never started.
    expect(
      (await mallory.post('/v1/folders/move', { path: `${root}/a`, to: `/${unique('mine')}` })).status,
    ).toBe(403);
    expect(
      (await mallory.post('/v1/folders/move', { path: `/${unique('nothing')}`, to: `/${unique('mine')}` }))
        .status,
    ).toBe(404);
    // A definition cannot reach into a workflow its author cannot see.
    const sneaky = (tasks: unknown[]) => ({ id: unique('sneaky'), name: 's', tasks });
    expect(
      (
        await mallory.post(
          '/v1/workflows',
          sneaky([{ id: 's', type: 'subworkflow', config: { workflow: w1 } }]),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await mallory.post(
          '/v1/workflows',
          sneaky([{ id: 's', type: 'noop', dependsOn: [{ workflow: w1, task: 'c' }] }]),
        )
      ).status,
    ).toBe(404);

    // bob may view w1 and makes w2 depend on it; alice cannot see w2, nor its nodes in lineage.
    expect(
      (
        await api('PUT', `/v1/workflows/${w1}/permissions`, {
          user: 'alice',
          body: { collaborators: [], users: ['bob'] },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await bob.post('/v1/workflows', {
          id: w2,
          name: w2,
          tasks: [{ id: 'd', type: 'noop', dependsOn: [{ workflow: w1, task: 'c' }] }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api('PUT', `/v1/workflows/${w2}/permissions`, {
          user: 'bob',
          body: { collaborators: [], users: ['carol'] },
        })
      ).status,
    ).toBe(200);
    const r2 = await bob.post(`/v1/workflows/${w2}/runs`, { dataTime: '2026-05-01T00:00:00Z' });
    expect(r2.status).toBe(201);
    const upstreamWorkflows = async (who: ReturnType<typeof as>) => {
      const { body } = await who.get(`/v1/instances/${r2.body.id}.d/lineage?direction=up`);
      return [...new Set((body.nodes as { workflowId: string }[]).map((n) => n.workflowId))].sort();
    };
    // bob sees w1 (its instance for that data time does not exist yet: a MISSING node); carol only w2.
    expect(await upstreamWorkflows(bob)).toEqual([w1, w2].sort());
    expect(await upstreamWorkflows(as('carol'))).toEqual([w2]);
  }, 60_000);
});
