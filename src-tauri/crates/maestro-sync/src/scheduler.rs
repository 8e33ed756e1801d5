//! The local scheduler: each connection syncs on its own interval (default from its provider),
//! with jitter so connections do not all fire together; a run missed while the computer slept,
//! was suspended or offline happens once when it wakes, not once per missed interval; failures
//! back off exponentially and a success resets them; schedules pause per connection or all at
//! once; "sync now" jumps the queue; a global limit caps how many connections sync at a time;
//! and a connection that needs reconnecting waits until it is reconnected.
//!
//! [`policy`] holds every decision as pure functions of the saved schedules and an injected
//! instant; [`runner`] is the loop that applies them with an injected [`Clock`] and
//! [`Sleeper`], so tests drive it on a [`ManualTime`].
//!
//! [`Clock`]: maestro_core::clock::Clock

pub mod policy;
pub mod runner;
pub mod time;

pub use policy::{Jitter, NoJitter, ScheduleState, SeededJitter, default_interval};
pub use runner::{
    DEFAULT_MAX_CONCURRENT, JobFuture, Scheduler, SchedulerConfig, SchedulerEvent, SchedulerHandle,
    SyncJob,
};
pub use time::{ManualTime, Sleeper, SystemSleeper};
