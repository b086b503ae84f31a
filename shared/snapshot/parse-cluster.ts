/** Maps a `clusters` row to the domain Cluster. */
import { CONTINENTS, type Cluster, type Continent } from '../domain/types.ts';
import { SnapshotError } from './errors.ts';
import { num, str, type Row } from './row-values.ts';

export function parseClusterRow(row: Row): Cluster {
  const id = str(row, 'id', 'clusters row');
  const where = `clusters row ${JSON.stringify(id)}`;
  const continent = str(row, 'continent', where);
  if (!(CONTINENTS as readonly string[]).includes(continent)) {
    throw new SnapshotError(
      `${where}: continent ${JSON.stringify(continent)} is not one of ${CONTINENTS.join(', ')}`,
    );
  }
  return {
    id,
    region: str(row, 'region', where),
    continent: continent as Continent,
    country: str(row, 'country', where),
    provider: str(row, 'provider', where),
    location: { lat: num(row, 'lat', where), lon: num(row, 'lon', where) },
    proxyUrl: str(row, 'proxy_url', where),
    proxyId: str(row, 'proxy_id', where),
  };
}
