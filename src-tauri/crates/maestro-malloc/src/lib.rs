//! Process-wide tuning of the C allocator (glibc's malloc) for processes that sync.
//!
//! glibc raises its mmap threshold whenever a large mapped block is freed. After the first
//! sync page, every page-sized buffer (a 2 MB response body, a vector of 2,000 records) is
//! then carved from the heap arenas instead of mapped, and the arenas keep that space resident
//! between pages, spread over the threads that allocated it. A fixed 1 MiB threshold maps such
//! buffers and returns them to the system when freed: a 100,000-entry sync peaks at ~50 MiB
//! instead of ~58 MiB, at the same speed (`tests/bench.md`). Smaller blocks are unaffected.

/// Blocks of at least this many bytes are mapped, and unmapped when freed.
pub const MMAP_THRESHOLD: usize = 1 << 20;

/// Applies the tuning. Call it first thing in `main`, before any other thread starts. Does
/// nothing off glibc (other allocators do not have the threshold).
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let threshold = libc::c_int::try_from(MMAP_THRESHOLD).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` only changes allocator parameters. glibc documents it as unsafe to
        // call while other threads allocate; callers run it first in `main`, single-threaded.
        #[allow(unsafe_code)]
        let applied = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) };
        if applied != 1 {
            // No logger is set up yet when this runs.
            eprintln!("note: the allocator refused its memory tuning; memory use may be higher");
        }
    }
}

/// Returns the allocator's free memory to the system (glibc's `malloc_trim`), so a figure of
/// resident memory taken next shows what the next piece of work adds, not what earlier work
/// freed but the allocator kept (benchmarks). Does nothing off glibc.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only returns free memory to the system; glibc documents it as
        // thread-safe (it locks each arena).
        #[allow(unsafe_code)]
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
#[allow(clippy::unwrap_used)]
mod tests {
    /// Bytes the allocator holds in mapped blocks.
    fn mapped_bytes() -> usize {
        // SAFETY: mallinfo2 only reads the allocator's counters.
        #[allow(unsafe_code)]
        let info = unsafe { libc::mallinfo2() };
        info.hblkhd
    }

    #[test]
    fn page_sized_buffers_are_mapped_every_time_not_just_the_first() {
        super::tune();
        // Untuned, glibc maps the first such block, raises its threshold when it is freed,
        // and carves the next ones from the heap.
        for round in 0..3 {
            let before = mapped_bytes();
            let block = std::hint::black_box(vec![7u8; 3 * super::MMAP_THRESHOLD / 2]);
            assert!(
                mapped_bytes() >= before + block.len(),
                "round {round}: a {}-byte block was not mapped",
                block.len()
            );
            drop(block);
        }
    }
}
