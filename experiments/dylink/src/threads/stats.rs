//! What synchronisation costs, recorded by the threads of one process for the measurements of the
//! three designs (`dylab_bench::threads`, `dylab bench --threads`): how long a load takes in the thread
//! that makes it (waiting for the others included), how long each other thread takes to repeat it
//! and how late, and what a sync point costs.

use std::time::Duration;

/// One load repeated by one thread.
#[derive(Clone, Copy, Debug)]
pub struct Repeat {
    pub tid: u32,
    /// Time to repeat the load (instantiations, GOT, TLS) in this thread's store.
    pub took: Duration,
    /// From the moment the load was logged to the moment this thread had repeated it.
    pub lag: Duration,
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Each `dlopen`/`dlsym` made owning the log, as the calling thread saw it (its own sync included).
    pub exclusive: Vec<Duration>,
    pub repeats: Vec<Repeat>,
    /// Sync points reached with nothing to apply, and their time in total.
    pub idle_syncs: u64,
    pub idle_sync_time: Duration,
    /// Synchronisation points reached (pthread calls), and their time in total: under (a) each
    /// checks the log; under (b) and (c) it only flushes the thread's output.
    pub points: u64,
    pub point_time: Duration,
    /// (b), (c): each delivery, as the loader waited for it: threads reached and time.
    pub delivered: Vec<(u32, Duration)>,
    /// (b), (c): interrupts that applied something in a running thread, and their time in total.
    pub interrupts: u64,
    pub interrupt_time: Duration,
}
