-- Raw events, only with `vmlockstat import --keep-events` (vls_import_opts
-- keep_events): one row per event, for ad-hoc SQL. Off by default: one row
-- per event is the most expensive thing an import can do.
-- The numeric fields of an event go into the generic columns f1..f5 and
-- its string field into str, by kind (docs/schema.md, "05_events.sql");
-- the event_* views below name them. Pointers and other unsigned 64-bit
-- values are stored as signed 64-bit integers: printf('%x', f1) in SQL
-- shows them in hex.
CREATE TABLE IF NOT EXISTS event (
  run_id   INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,     -- 1, 2, ... in input (timestamp) order
  ts       INTEGER NOT NULL,     -- ns, trace clock
  cpu      INTEGER NOT NULL,
  tid      INTEGER NOT NULL,
  pid      INTEGER,              -- thread group id, NULL if unknown
  kind     TEXT NOT NULL,        -- "system:event" as in the input
  stack_id INTEGER,              -- stack(run_id, id), NULL if none
  f1 INTEGER, f2 INTEGER, f3 INTEGER, f4 INTEGER, f5 INTEGER,
  str      TEXT,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE VIEW IF NOT EXISTS event_mmap_lock AS
  SELECT run_id, seq, ts, cpu, tid, pid, kind, stack_id,
         f1 AS mm, f2 AS memcg_id, f3 AS write, f4 AS success
  FROM event WHERE kind LIKE 'mmap_lock:%';

CREATE VIEW IF NOT EXISTS event_fault AS
  SELECT run_id, seq, ts, cpu, tid, pid, kind, stack_id,
         f1 AS address, f2 AS ip, f3 AS error_code
  FROM event WHERE kind LIKE 'exceptions:page_fault_%';

CREATE VIEW IF NOT EXISTS event_filemap AS
  SELECT run_id, seq, ts, cpu, tid, pid, kind, stack_id,
         f1 AS dev, f2 AS ino, f3 AS idx, f4 AS pfn
  FROM event WHERE kind LIKE 'filemap:%';

CREATE VIEW IF NOT EXISTS event_sched_switch AS
  SELECT run_id, seq, ts, cpu, tid, pid, stack_id,
         f1 AS prev_pid, f2 AS prev_prio, f3 AS prev_state,
         f4 AS next_pid, f5 AS next_prio, str AS next_comm
  FROM event WHERE kind = 'sched:sched_switch';
