// Versioned schema migrations, applied in order, each in its own transaction, and recorded in
// `schema_migrations`. Never edit a released migration: append a new one.
//
// Both dialects keep the same tables and columns. PostgreSQL declares its text columns
// COLLATE "C" so that every ORDER BY and range comparison is bytewise, like SQLite's BINARY:
// listings come back in the same order from both databases.

export interface Migration {
  version: number;
  name: string;
  sqlite: string[];
  postgres: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sqlite: [
      `CREATE TABLE meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        revision INTEGER NOT NULL
      )`,
      `INSERT INTO meta (id, revision) VALUES (1, 0)`,
      `CREATE TABLE projects (
        id TEXT NOT NULL PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE resources (
        path TEXT NOT NULL PRIMARY KEY,
        project TEXT NOT NULL REFERENCES projects (id),
        collection TEXT NOT NULL,
        scope TEXT NOT NULL,
        name TEXT NOT NULL,
        id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        creation_timestamp TEXT NOT NULL,
        revision INTEGER NOT NULL
      )`,
      `CREATE INDEX resources_by_collection ON resources (project, collection, scope, name)`,
      `CREATE TABLE refs (
        from_path TEXT NOT NULL,
        to_path TEXT NOT NULL,
        PRIMARY KEY (from_path, to_path)
      ) WITHOUT ROWID`,
      `CREATE INDEX refs_by_target ON refs (to_path, from_path)`,
      `CREATE TABLE network_endpoints (
        neg_path TEXT NOT NULL,
        ip_address TEXT NOT NULL,
        port INTEGER NOT NULL,
        instance TEXT NOT NULL,
        PRIMARY KEY (neg_path, ip_address, port, instance)
      ) WITHOUT ROWID`,
      `CREATE TABLE guest_attributes (
        instance_path TEXT NOT NULL,
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (instance_path, namespace, key)
      ) WITHOUT ROWID`,
      `CREATE TABLE tokens (
        id TEXT NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        grants TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      )`,
      `CREATE TABLE changes (
        revision INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        project TEXT NOT NULL,
        scope TEXT NOT NULL,
        name TEXT NOT NULL,
        op TEXT NOT NULL,
        PRIMARY KEY (revision, seq)
      ) WITHOUT ROWID`,
    ],
    postgres: [
      `CREATE TABLE meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        revision BIGINT NOT NULL
      )`,
      `INSERT INTO meta (id, revision) VALUES (1, 0)`,
      `CREATE TABLE projects (
        id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        number TEXT COLLATE "C" NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE resources (
        path TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        project TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
        collection TEXT COLLATE "C" NOT NULL,
        scope TEXT COLLATE "C" NOT NULL,
        name TEXT COLLATE "C" NOT NULL,
        id TEXT COLLATE "C" NOT NULL UNIQUE,
        body TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        creation_timestamp TEXT NOT NULL,
        revision BIGINT NOT NULL
      )`,
      `CREATE INDEX resources_by_collection ON resources (project, collection, scope, name)`,
      `CREATE TABLE refs (
        from_path TEXT COLLATE "C" NOT NULL,
        to_path TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (from_path, to_path)
      )`,
      `CREATE INDEX refs_by_target ON refs (to_path, from_path)`,
      `CREATE TABLE network_endpoints (
        neg_path TEXT COLLATE "C" NOT NULL,
        ip_address TEXT COLLATE "C" NOT NULL,
        port INTEGER NOT NULL,
        instance TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (neg_path, ip_address, port, instance)
      )`,
      `CREATE TABLE guest_attributes (
        instance_path TEXT COLLATE "C" NOT NULL,
        namespace TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (instance_path, namespace, key)
      )`,
      `CREATE TABLE tokens (
        id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        name TEXT COLLATE "C" NOT NULL,
        hash TEXT COLLATE "C" NOT NULL UNIQUE,
        grants TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        revoked_at TEXT
      )`,
      `CREATE TABLE changes (
        revision BIGINT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        project TEXT NOT NULL,
        scope TEXT NOT NULL,
        name TEXT NOT NULL,
        op TEXT NOT NULL,
        PRIMARY KEY (revision, seq)
      )`,
    ],
  },
];

/** The table that records applied migrations; created before any migration runs. */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;
