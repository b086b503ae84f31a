import type { Client } from '@libsql/client';
import type { Project } from '../../shared/domain/types.ts';
import { guard } from './errors.ts';
import { projectStatements } from './static-config-statements.ts';

/** Create or rename a project. */
export async function upsertProject(client: Client, project: Project, now: number): Promise<void> {
  await guard(`writing project ${project.id}`, () => client.batch(projectStatements(project, now), 'write'));
}
