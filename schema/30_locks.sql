-- mmap_lock analysis (lib/locks-machine.c, lib/locks-store.c). Times in ns of the
-- trace clock. An mm is the hashed (tracefs text) or raw (trace.dat)
-- mm_struct pointer as a signed 64-bit integer: it identifies a process
-- within one run only. Documented in docs/schema.md and docs/locks.md.

-- STATS per scope and mode: scope 'run' (key ''), 'process' (key "pid:N",
-- or "mm:HEX" and "mm:HEX.GEN" for the mm_struct's later incarnations),
-- 'thread' (key: the tid), 'callsite' (key: fault, mprotect, ...).
-- p50/p99 come from a fixed-bucket histogram (4 buckets per power of
-- two: within 12.5% of the exact value); NULL when count is 0.
-- wait_hist/hold_hist: counts per log2 bucket i = [2^i, 2^(i+1)) ns
-- (bucket 0 also holds 0), comma-separated, trailing zeros cut.
CREATE TABLE IF NOT EXISTS lock_stats (
  run_id        INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  scope         TEXT NOT NULL,
  key           TEXT NOT NULL,
  mode          TEXT NOT NULL,     -- 'read' or 'write'
  mm            INTEGER,           -- process scope by mm; thread: its own mm
  tid           INTEGER,           -- thread scope
  pid           INTEGER,           -- process and thread scope, NULL if unknown
  comm          TEXT,              -- thread; process: its main thread or first taker
  acquisitions  INTEGER NOT NULL,  -- successful acquisitions
  contended     INTEGER NOT NULL,  -- blocked at start or slept while waiting
  trylock_fails INTEGER NOT NULL,  -- acquire_returned success=false
  downgrades    INTEGER NOT NULL,  -- write->read downgrades (read rows)
  open_holds    INTEGER NOT NULL,  -- still held when the trace ended
  asleep_ns     INTEGER NOT NULL,  -- D-state time while holding
  wait_count INTEGER NOT NULL, wait_sum INTEGER NOT NULL, wait_max INTEGER,
  wait_p50   INTEGER, wait_p99 INTEGER,
  hold_count INTEGER NOT NULL, hold_sum INTEGER NOT NULL, hold_max INTEGER,
  hold_p50   INTEGER, hold_p99 INTEGER,
  wait_hist     TEXT NOT NULL,
  hold_hist     TEXT NOT NULL,
  stack_id      INTEGER,           -- callsite: its most frequent stack
  mm_gen        INTEGER,           -- mm's incarnation (NULL: the first, 0)
  PRIMARY KEY (run_id, scope, key, mode)
) WITHOUT ROWID;

-- One wait-for chain per wait >= the chain threshold (default 100 us).
CREATE TABLE IF NOT EXISTS lock_chain (
  run_id        INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  id            INTEGER NOT NULL,  -- 0.. in order of the waits' ends
  mm            INTEGER NOT NULL,
  start_ns      INTEGER NOT NULL,  -- the waiter's start_locking
  wait_ns       INTEGER NOT NULL,
  open          INTEGER NOT NULL,  -- 1: still waiting when the trace ended
  tid           INTEGER NOT NULL,  -- the waiter
  pid           INTEGER,
  comm          TEXT NOT NULL,
  prio          INTEGER,           -- kernel prio, NULL if no sched event said
  mode          TEXT NOT NULL,
  site          TEXT NOT NULL,     -- call site key
  depth         INTEGER NOT NULL,  -- hops to the deepest link, 0: no blocker
  nlinks        INTEGER NOT NULL,
  dropped_links INTEGER NOT NULL,  -- links past the 64-link cap
  woken         INTEGER NOT NULL,  -- its wakeup came from a direct blocker
  inversion     INTEGER NOT NULL,  -- a link of lower priority (higher prio)
  inverted_ns   INTEGER NOT NULL,  -- time blocked by such links (union)
  root_idx      INTEGER,           -- lock_chain_link.idx of the root cause
  summary       TEXT NOT NULL,     -- the one-line rendering
  PRIMARY KEY (run_id, id)
) WITHOUT ROWID;

-- The tasks of a chain: a tree, parent_idx NULL for direct blockers.
CREATE TABLE IF NOT EXISTS lock_chain_link (
  run_id        INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  chain_id      INTEGER NOT NULL,
  idx           INTEGER NOT NULL,
  parent_idx    INTEGER,
  depth         INTEGER NOT NULL,  -- 1: blocks the waiter directly
  tid           INTEGER NOT NULL,
  pid           INTEGER,
  comm          TEXT NOT NULL,
  prio          INTEGER,
  mode          TEXT NOT NULL,     -- mode it held or queued for
  site          TEXT NOT NULL,
  held_ns       INTEGER NOT NULL,  -- holding in a conflicting mode, in the parent's window
  queued_ns     INTEGER NOT NULL,  -- a writer queued ahead of a reader parent
  asleep_ns     INTEGER NOT NULL,  -- D state within held_ns
  hold_total_ns INTEGER NOT NULL,  -- its whole holds (to the chain's end if open)
  state         TEXT NOT NULL,     -- 'waiting' (has links), 'asleep', 'running'
  reason        TEXT NOT NULL,     -- sleep reason key: folio_io, reclaim, rwsem, ...
  wchan         TEXT,              -- blocked-in function
  woke          INTEGER NOT NULL,  -- its wakeup of the parent was seen
  block_start_ns INTEGER NOT NULL, -- hull of its blocking interval
  block_end_ns  INTEGER NOT NULL,
  PRIMARY KEY (run_id, chain_id, idx)
) WITHOUT ROWID;

-- Acquisitions worth a row: contended, or wait or hold >= the threshold.
CREATE TABLE IF NOT EXISTS lock_acq (
  run_id     INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  id         INTEGER NOT NULL,
  mm         INTEGER NOT NULL,
  tid        INTEGER NOT NULL,
  pid        INTEGER,
  mode       TEXT NOT NULL,
  site       TEXT NOT NULL,
  stack_id   INTEGER,
  start_ns   INTEGER NOT NULL,
  wait_ns    INTEGER NOT NULL,
  hold_ns    INTEGER NOT NULL,     -- to the end of the trace if open
  open       INTEGER NOT NULL,
  downgraded INTEGER NOT NULL,     -- a read hold begun by a downgrade
  contended  INTEGER NOT NULL,
  asleep_ns  INTEGER NOT NULL,
  reason     TEXT NOT NULL,        -- its longest sleep's reason
  wchan      TEXT,
  chain_id   INTEGER,              -- lock_chain.id of its wait, if any
  PRIMARY KEY (run_id, id)
) WITHOUT ROWID;

-- For the report (lib/report-load-locks.c; schema 3), each read from the
-- index alone: a thread's mm (its acquisitions in tid, mm order), the
-- chains of contended acquisitions, and the chains longest first (ties by
-- id, as the report orders them) with open.
CREATE INDEX IF NOT EXISTS lock_acq_tid_mm ON lock_acq(run_id, tid, mm);
CREATE INDEX IF NOT EXISTS lock_acq_chain ON lock_acq(run_id, chain_id, contended)
  WHERE chain_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS lock_chain_wait ON lock_chain(run_id, wait_ns DESC, id, open);
