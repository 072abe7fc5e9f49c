-- The national roll-up (ADR 0020): each chapter's latest signed yearly counts for its
-- organisation, one row per chapter and year (a new submission replaces the row). The
-- document is the chapter's signed JSON as received, checked again whenever it is read.
-- Counts only, by design readable here: no account, name or single contact.
CREATE TABLE rollups (
    chapter_id  BIGINT NOT NULL REFERENCES chapters(id),
    year        INTEGER NOT NULL,
    created_at  BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    document    BYTEA NOT NULL,
    PRIMARY KEY (chapter_id, year)
);
