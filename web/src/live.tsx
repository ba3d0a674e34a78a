import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { followEvents } from './api/events';
import type { LocalityLoad } from './api/types';

/** Samples of /load kept for charts: 150 × 2 s = the last five minutes. */
export const MAX_SAMPLES = 150;

export interface LoadSample {
  time: number;
  services: LocalityLoad[];
}

interface Live {
  connected: boolean;
  /** A counter per topic (a change kind such as `urlMaps`, or `health`, `proxies`): bumped when it changes. */
  versions: Readonly<Record<string, number>>;
  samples: readonly LoadSample[];
}

const LiveContext = createContext<Live>({ connected: false, versions: {}, samples: [] });

/** Follows the project's event stream and turns events into topic versions and load samples. */
export function LiveProvider({ project, children }: { project: string | undefined; children: ReactNode }) {
  const [connected, setConnected] = useState(false);
  const [versions, setVersions] = useState<Record<string, number>>({});
  const [samples, setSamples] = useState<LoadSample[]>([]);
  const pending = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    setSamples([]);
    if (project === undefined) return;
    // Bursts (an apply touches many resources) become one refetch per topic.
    const bump = (topic: string) => {
      pending.current.add(topic);
      if (timer.current !== undefined) return;
      timer.current = setTimeout(() => {
        timer.current = undefined;
        const topics = [...pending.current];
        pending.current.clear();
        setVersions((v) => {
          const next = { ...v };
          for (const t of topics) next[t] = (next[t] ?? 0) + 1;
          return next;
        });
      }, 150);
    };
    const stop = followEvents(
      project,
      ({ event, data }) => {
        if (event === 'change') bump((data as { kind: string }).kind);
        else if (event === 'health' || event === 'proxies') bump(event);
        else if (event === 'load') {
          const services = (data as { services: LocalityLoad[] }).services;
          setSamples((s) => [...s.slice(-(MAX_SAMPLES - 1)), { time: Date.now(), services }]);
        }
      },
      setConnected,
    );
    return () => {
      stop();
      clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [project]);

  return <LiveContext.Provider value={{ connected, versions, samples }}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  return useContext(LiveContext);
}

/** A number that changes whenever any of `topics` changed on the server. */
export function useTopicVersion(topics: readonly string[]): number {
  const { versions } = useLive();
  return topics.reduce((n, t) => n + (versions[t] ?? 0), 0);
}
