-- Signatures of AK/SK requests already used (SHA-256 of the scheme, access key and
-- signature, in hex). `reusable_until` (ms since the epoch) ends the short grace after the
-- first use in which the same request may come again (SDKs sign to the second, so a client
-- repeating a call at once sends the very same bytes); `expires_at` is when the signature
-- stops being valid anyway and the row may go. Shared by every instance on the database.
CREATE TABLE signature_uses (
    signature_hash TEXT PRIMARY KEY NOT NULL,
    reusable_until BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX ix_signature_uses_expires ON signature_uses (expires_at);
