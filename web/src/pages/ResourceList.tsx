import { enc } from '../api/client';
import { Empty, ErrorBox, Loading } from '../components/States';
import { KIND_LABELS, type Kind, useInventory, zoneOf } from '../lib/inventory';
import { pageOf, parseRef } from '../lib/refs';
import { Link } from '../router';

/** Every resource of one collection, linking to its page. */
export function ResourceList({ project, collection }: { project: string; collection: string }) {
  const inventory = useInventory(project);
  if (!(collection in KIND_LABELS)) return <Empty title={`There is no page for '${collection}'.`} />;
  if (inventory.error) return <ErrorBox error={inventory.error} />;
  if (!inventory.data) return <Loading what={KIND_LABELS[collection as Kind]} />;
  const items = inventory.data[collection as Kind];
  return (
    <>
      <h1>{KIND_LABELS[collection as Kind]}</h1>
      {items.length === 0 ? (
        <Empty title="None yet.">
          <p>
            Create them with <code>vane apply -f FILE --project {project}</code>.
          </p>
        </Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Zone</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => {
              const ref = parseRef(r.selfLink);
              return (
                <tr key={r.selfLink ?? r.name}>
                  <td>{ref ? <Link to={pageOf(project, ref)}>{r.name}</Link> : r.name}</td>
                  <td>{zoneOf(r) ?? 'global'}</td>
                  <td className="small">{r.description ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {collection === 'networks' && (
        <p>
          See each network's services on the <Link to={`/p/${enc(project)}/services`}>Services</Link> page.
        </p>
      )}
    </>
  );
}
