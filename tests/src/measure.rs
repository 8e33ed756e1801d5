//! Figures of this process read from `/proc` for the bench runners: CPU time, memory and how
//! often its threads were woken, by thread name.

use std::collections::BTreeMap;

/// CPU seconds (user + system) of this process.
pub fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line; 12 and 13 after the ") ".
    (ticks(11) + ticks(12)) / 100.0
}

/// A memory figure of this process from `/proc/self/status` (`"VmRSS:"`, `"VmHWM:"`), in MiB.
pub fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Peak resident memory of this process in MiB (VmHWM), since it started or since
/// [`reset_peak`].
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// Resets the peak resident memory to the current resident memory (writing 5 to
/// `clear_refs`), so a later [`peak_rss_mb`] is the peak of what runs in between.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Times each thread of this process was woken (voluntary context switches), summed by thread
/// name. A thread that has ended is no longer counted.
pub fn wakeups_by_thread() -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.filter_map(std::result::Result::ok) {
        let path = task.path();
        let Ok(status) = std::fs::read_to_string(path.join("status")) else {
            continue;
        };
        let name = status
            .lines()
            .find_map(|l| l.strip_prefix("Name:"))
            .map_or_else(String::new, |n| n.trim().to_owned());
        let woken = status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        *out.entry(name).or_insert(0) += woken;
    }
    out
}

/// Adds to `into` what each thread name gained from `before` to `after`.
pub fn add_wakeups(
    into: &mut BTreeMap<String, u64>,
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) {
    for (name, n) in after {
        let gained = n.saturating_sub(before.get(name).copied().unwrap_or(0));
        *into.entry(name.clone()).or_insert(0) += gained;
    }
}
