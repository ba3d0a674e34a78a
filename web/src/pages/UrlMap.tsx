import { useState } from 'react';
import { stringify } from 'yaml';
import { computePath } from '../api/client';
import type { Resource } from '../api/types';
import { ErrorBox, Loading } from '../components/States';
import { UrlMapTables } from '../components/UrlMapTables';
import { YamlEditor } from '../components/YamlEditor';
import { editable } from '../lib/urlmap-text';
import { useApi } from '../lib/use-api';
import { setQuery, useLocation } from '../router';

export function UrlMap({ project, name }: { project: string; name: string }) {
  const { query } = useLocation();
  const mode = query.get('mode') === 'yaml' ? 'yaml' : 'routes';
  const map = useApi<Resource>(computePath(project, 'urlMaps', name), ['urlMaps']);
  // Outlives the editor, which starts afresh from the saved map.
  const [savedAt, setSavedAt] = useState<string | undefined>();
  return (
    <>
      <h1>
        URL map <code>{name}</code>
      </h1>
      <div className="tabs" role="tablist" aria-label="View">
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'routes'}
          onClick={() => setQuery('mode', null)}
        >
          Routes
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'yaml'}
          onClick={() => setQuery('mode', 'yaml')}
        >
          Edit as YAML
        </button>
      </div>
      {savedAt && (
        <p className="ok-note" role="status">
          Saved at {savedAt}: connected proxies get the new configuration within seconds.
        </p>
      )}
      {map.error && <ErrorBox error={map.error} />}
      {!map.data ? (
        !map.error && <Loading what="the URL map" />
      ) : mode === 'routes' ? (
        <UrlMapTables project={project} map={map.data} />
      ) : (
        <YamlEditor
          key={String(map.data.fingerprint ?? '')}
          project={project}
          collection="urlMaps"
          name={name}
          kind="compute#urlMap"
          initial={stringify(editable(map.data))}
          onSaved={() => {
            setSavedAt(new Date().toLocaleTimeString());
            map.reload();
          }}
        />
      )}
    </>
  );
}
