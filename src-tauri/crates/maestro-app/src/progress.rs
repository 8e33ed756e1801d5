//! Progress reporting for long operations, shown as bars in the CLI and as events in the UI.

/// Receives progress of one long operation.
pub trait Progress: Send + Sync {
    /// A phase begins; `total` is the number of units when known.
    fn start(&self, label: &str, total: Option<u64>);
    /// `units` more were done.
    fn advance(&self, units: u64);
    /// The phase ended.
    fn finish(&self);
}

/// Ignores progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _label: &str, _total: Option<u64>) {}
    fn advance(&self, _units: u64) {}
    fn finish(&self) {}
}
