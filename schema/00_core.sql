-- vmlockstat schema, core tables (version 1: PRAGMA user_version = 1).
-- Files in schema/ are applied in name order; each concern has its own
-- file. Times are integer nanoseconds of the trace clock unless a column
-- says otherwise; every table of a run cascades from run.
-- Documented column by column in docs/schema.md.

-- One imported trace.
CREATE TABLE IF NOT EXISTS run (
  id          INTEGER PRIMARY KEY,
  label       TEXT NOT NULL,
  kernel      TEXT,              -- uname -r of the traced kernel, NULL if unknown
  arch        TEXT,              -- uname -m (x86_64, aarch64, ...)
  source      TEXT NOT NULL,     -- the file imported, or "live"
  format      TEXT NOT NULL,     -- tracedat, ftrace, trace-cmd, atrace, embedded
  imported_at INTEGER NOT NULL,  -- unix seconds
  events      INTEGER NOT NULL,  -- events read
  lost_events INTEGER,           -- NULL when the input does not say
  ncpus       INTEGER,
  first_ts    INTEGER,           -- first and last event timestamps
  last_ts     INTEGER
);

-- Everything else the input or the recorder said about the run:
-- trace_clock, cpu<N>.lost, events.present, config.*, vmstat.before.*, ...
CREATE TABLE IF NOT EXISTS run_meta (
  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

-- Every task seen in the run (last comm and prio seen).
CREATE TABLE IF NOT EXISTS task (
  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  tid    INTEGER NOT NULL,
  pid    INTEGER,                -- thread group id, NULL if unknown
  comm   TEXT NOT NULL,
  prio   INTEGER,                -- kernel prio (0..139, lower is higher)
  events INTEGER NOT NULL,       -- events of this task
  PRIMARY KEY (run_id, tid)
) WITHOUT ROWID;

-- Kernel stacks, de-duplicated per run. frames: function names, innermost
-- first, joined by '\n'.
CREATE TABLE IF NOT EXISTS stack (
  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  id     INTEGER NOT NULL,
  frames TEXT NOT NULL,
  PRIMARY KEY (run_id, id)
) WITHOUT ROWID;
