//! Property tests of every parser that reads outside data: providers' answers (through each
//! connector's decoders and mappers), webhooks, backup files, and the local API's JSON:API query
//! parameters and GraphQL input. Each case must end in a value or a classified error — never a
//! panic — within a time bound, and the process within a memory bound; `PROPTEST_CASES` sets
//! how many cases each property runs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod backup;
mod gateway;
mod junk;
mod providers;
mod webhooks;

/// The memory bound every property holds the whole test process to: the peak resident size
/// (VmHWM), which a parser that read a damaged length as a size to allocate would blow.
const PEAK_MEMORY_BOUND_KIB: u64 = 1024 * 1024;

/// Asserts the process's peak resident memory is within [`PEAK_MEMORY_BOUND_KIB`] (Linux;
/// elsewhere nothing is checked) and returns it in KiB.
fn assert_peak_memory_bounded(context: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    assert!(
        peak <= PEAK_MEMORY_BOUND_KIB,
        "{context}: peak memory {peak} KiB is over the bound of {PEAK_MEMORY_BOUND_KIB} KiB"
    );
    peak
}
