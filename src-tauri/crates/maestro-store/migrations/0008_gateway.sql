-- The local API (maestro-gateway): keys, webhook signing secrets and the TLS identity.
--   api_keys.key_hash   SHA-256 (hex) of the whole key; the key itself is shown once and never kept
--   api_keys.prefix     the first characters of the key, to recognise it in lists
--   api_keys.scopes     JSON array of "entity:read" / "entity:write" ("*" for every entity)
--   api_keys.rate_per_minute  requests allowed per minute with this key
--   webhook_secrets     the key a provider signs its webhooks with, one per connection
--   gateway_tls         the generated certificate and its private key (inside the encrypted database)
CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies(id),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT,
    revoked_at      TEXT
);
CREATE INDEX api_keys_company ON api_keys(company_id, created_at);

CREATE TABLE webhook_secrets (
    company_id    TEXT NOT NULL REFERENCES companies(id),
    connection_id TEXT NOT NULL,
    secret        TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (company_id, connection_id)
);

CREATE TABLE gateway_tls (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    cert_pem    TEXT NOT NULL,
    key_pem     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
