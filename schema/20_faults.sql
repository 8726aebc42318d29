-- Fault analysis (lib/faults-store.c): how often page faults fall back from
-- the per-VMA lock to mmap_lock, and why. Definitions: docs/faults.md;
-- columns: docs/schema.md, section 20_faults.sql. Times in ns.

-- One row per fault episode that took mmap_lock (a fallback, or a nested
-- acquisition); faults that never touched mmap_lock are only counted.
CREATE TABLE IF NOT EXISTS fault_episode (
  run_id         INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  id             INTEGER NOT NULL,  -- 1.. in order of the episode's end
  tid            INTEGER NOT NULL,
  pid            INTEGER,           -- NULL if unknown
  comm           TEXT NOT NULL,
  start_ts       INTEGER NOT NULL,  -- first event of the episode
  end_ts         INTEGER NOT NULL,  -- last event of the episode
  lock_ts        INTEGER,           -- first fault-path mmap_lock attempt
  reason         TEXT NOT NULL,     -- io_retry no_io kernel_mode nested no_vma_lock
  behind_writer  INTEGER NOT NULL,  -- 1: an attempt waited on a writer
  attempts       INTEGER NOT NULL,  -- retry chain: VMA attempt + mmap_lock attempts
  mmap_attempts  INTEGER NOT NULL,
  trylock_fails  INTEGER NOT NULL,
  nested         INTEGER NOT NULL,  -- nested acquisitions
  io_wait_ns     INTEGER NOT NULL,  -- asleep on I/O inside the episode
  lock_wait_ns   INTEGER NOT NULL,  -- waiting for mmap_lock (fault path)
  filemap_faults INTEGER NOT NULL,
  refaults       INTEGER NOT NULL,
  dev            INTEGER,           -- first file page read (mm_filemap_fault)
  ino            INTEGER,
  pgoff          INTEGER,
  stack_only     INTEGER NOT NULL,  -- 1: not opened by exceptions:page_fault_*
  PRIMARY KEY (run_id, id)
) WITHOUT ROWID;

-- Per task. Per process: SUM() grouped by pid (no percentiles).
CREATE TABLE IF NOT EXISTS fault_task (
  run_id          INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
  tid             INTEGER NOT NULL,
  pid             INTEGER,
  comm            TEXT NOT NULL,
  faults          INTEGER,          -- NULL when the run has no fault tracepoint
  episodes        INTEGER NOT NULL,
  fallback        INTEGER NOT NULL, -- io_retry + no_io + kernel_mode + no_vma_lock
  io_retry        INTEGER NOT NULL,
  no_io           INTEGER NOT NULL,
  kernel_mode     INTEGER NOT NULL,
  nested          INTEGER NOT NULL, -- not a fallback
  no_vma_lock     INTEGER NOT NULL,
  behind_writer   INTEGER NOT NULL,
  trylock_fails   INTEGER NOT NULL,
  refaults        INTEGER NOT NULL,
  filemap_faults  INTEGER NOT NULL,
  chain_1         INTEGER NOT NULL, -- episodes by retry-chain length
  chain_2         INTEGER NOT NULL,
  chain_3         INTEGER NOT NULL,
  chain_4plus     INTEGER NOT NULL,
  io_wait_count   INTEGER NOT NULL, -- episodes that slept on I/O
  io_wait_sum     INTEGER NOT NULL,
  io_wait_p50     INTEGER,          -- NULL when io_wait_count = 0
  io_wait_p99     INTEGER,
  io_wait_max     INTEGER,
  kernel_faults   INTEGER,          -- of faults, kernel-mode; NULL before schema 2
  PRIMARY KEY (run_id, tid)
) WITHOUT ROWID;

-- Per run: the same figures, how they were obtained, and the kernel's own
-- counters beside them.
CREATE TABLE IF NOT EXISTS fault_run (
  run_id          INTEGER PRIMARY KEY REFERENCES run(id) ON DELETE CASCADE,
  method          TEXT NOT NULL,    -- page_fault_user | stack_only
  vma_locks       INTEGER,          -- 1 per-VMA locks, 0 none, NULL unknown
  vma_locks_basis TEXT,             -- config | release | NULL
  faults          INTEGER,          -- NULL: unknown, never guessed
  faults_source   TEXT,             -- tracepoint | vmstat | NULL
  episodes        INTEGER NOT NULL,
  fallback        INTEGER NOT NULL,
  io_retry        INTEGER NOT NULL,
  no_io           INTEGER NOT NULL,
  kernel_mode     INTEGER NOT NULL,
  nested          INTEGER NOT NULL,
  no_vma_lock     INTEGER NOT NULL,
  behind_writer   INTEGER NOT NULL,
  trylock_fails   INTEGER NOT NULL,
  refaults        INTEGER NOT NULL,
  filemap_faults  INTEGER NOT NULL,
  chain_1         INTEGER NOT NULL,
  chain_2         INTEGER NOT NULL,
  chain_3         INTEGER NOT NULL,
  chain_4plus     INTEGER NOT NULL,
  io_wait_count   INTEGER NOT NULL,
  io_wait_sum     INTEGER NOT NULL,
  io_wait_p50     INTEGER,
  io_wait_p99     INTEGER,
  io_wait_max     INTEGER,
  unclassified    INTEGER NOT NULL, -- read acquisitions without a stack
  vmstat_pgfault            INTEGER, -- after - before, NULL if not recorded
  vmstat_pgmajfault         INTEGER,
  vmstat_vma_lock_success   INTEGER, -- CONFIG_PER_VMA_LOCK_STATS
  vmstat_vma_lock_abort     INTEGER,
  vmstat_vma_lock_retry     INTEGER,
  vmstat_vma_lock_miss      INTEGER,
  kernel_faults             INTEGER  -- of faults, kernel-mode; NULL before schema 2
);
