import { stringify } from 'yaml';
import { computePath } from '../api/client';
import type { Resource } from '../api/types';
import { ErrorBox, Loading } from '../components/States';
import { useApi } from '../lib/use-api';

/** Any resource as YAML: forwarding rules, target proxies, NEGs, networks, instances. */
export function ResourcePage(props: {
  project: string;
  collection: string;
  name: string;
  zone: string | null;
}) {
  const { project, collection, name, zone } = props;
  const res = useApi<Resource>(computePath(project, collection, name, zone ?? undefined), [collection]);
  return (
    <>
      <h1>
        <span className="muted">{collection}/</span>
        {name} {zone && <span className="muted small">{zone}</span>}
      </h1>
      {res.error && <ErrorBox error={res.error} />}
      {res.data ? <pre className="code">{stringify(res.data)}</pre> : !res.error && <Loading what={name} />}
    </>
  );
}
