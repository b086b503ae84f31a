import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why `dbPath` could not be opened, in words: the engine says only
 * `ConnectionFailed("Unable to open connection to local database …: 14")` for a missing folder
 * or a folder given as the file, and `file is not a database` without the path.
 */
export function databaseFileProblem(dbPath: string, err: unknown): string {
  const folder = dirname(dbPath);
  const kind = (p: string): 'file' | 'folder' | 'none' => {
    try {
      return statSync(p).isDirectory() ? 'folder' : 'file';
    } catch {
      return 'none';
    }
  };
  let why: string;
  if (kind(folder) === 'none') why = `its folder ${folder} does not exist (create it, or name a file in an existing folder)`;
  else if (kind(dbPath) === 'folder') why = 'it is a folder, not a file (name a database file, e.g. switchyard.db)';
  else why = err instanceof Error ? err.message : String(err);
  return `cannot open the database file ${dbPath}: ${why}`;
}
