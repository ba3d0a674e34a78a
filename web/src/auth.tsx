import {
  createContext,
  type FormEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useState,
} from 'react';
import { ApiError, api, onUnauthorized, storedToken, storeToken } from './api/client';
import type { Token } from './api/types';
import { ErrorBox } from './components/States';

interface Auth {
  who: Token;
  isAdmin: boolean;
  signOut: () => void;
}

const AuthContext = createContext<Auth | undefined>(undefined);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthGate');
  return auth;
}

/** Shows the sign-in form until a token passes GET /v1/whoami, then the console. */
export function AuthGate({ children }: { children: ReactNode }) {
  const [who, setWho] = useState<Token | null | undefined>(storedToken() ? undefined : null);
  const [error, setError] = useState<ApiError | undefined>();

  const check = useCallback(async (token: string) => {
    try {
      const me = await api<Token>('GET', '/v1/whoami', undefined, token);
      storeToken(token);
      setError(undefined);
      setWho(me);
    } catch (err) {
      storeToken(null);
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
      setWho(null);
    }
  }, []);

  useEffect(() => {
    const token = storedToken();
    if (token) void check(token);
    return onUnauthorized(() => {
      storeToken(null);
      setError(new ApiError(401, 'Your token is no longer valid (revoked?). Sign in again.'));
      setWho(null);
    });
  }, [check]);

  if (who === undefined) return <p className="muted center">Checking your token…</p>;
  if (who === null) return <SignIn onToken={check} error={error} />;
  const signOut = () => {
    storeToken(null);
    setWho(null);
  };
  const isAdmin = who.grants.some((g) => g.role === 'admin');
  return <AuthContext.Provider value={{ who, isAdmin, signOut }}>{children}</AuthContext.Provider>;
}

function SignIn({ onToken, error }: { onToken: (t: string) => Promise<void>; error: ApiError | undefined }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    await onToken(token.trim());
    setBusy(false);
  };
  return (
    <main className="signin">
      <h1>Vane</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="vane_…"
          required
        />
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && <ErrorBox error={error} title="Sign-in failed" />}
      </form>
      <p className="muted">
        The admin token was printed when <code>vane serve</code> first started and is saved in{' '}
        <code>.vane/admin-token</code>. Create others with{' '}
        <code>vane tokens create --project P --role viewer</code>. The token is kept only in this browser tab.
      </p>
    </main>
  );
}
