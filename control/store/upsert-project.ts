import type { Client } from '@libsql/client';
import type { Project } from '../../shared/domain/types.ts';
import { guard } from './errors.ts';

/** Create or rename a project. */
export async function upsertProject(client: Client, project: Project, now: number): Promise<void> {
  await guard(`writing project ${project.id}`, () =>
    client.execute({
      sql: `INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`,
      args: [project.id, project.name, now],
    }),
  );
}
