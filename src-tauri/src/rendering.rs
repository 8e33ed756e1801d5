//! How the window's web view draws: without WebKitGTK's accelerated compositing.
//!
//! WebKitGTK composites the page's layers with OpenGL. Without a GPU (a virtual machine, Xvfb)
//! Mesa draws that in software with llvmpipe, which maps LLVM into the app and the web process
//! and keeps every layer in memory: the idle web process held 223 MiB PSS, 97 MiB of it the
//! compositor's layers (`tests/bench.md`, "Desktop app footprint"). The app's screens are
//! forms, lists and tables, which WebKit draws just as well into one plain surface; with
//! compositing off the web process takes about half the memory and the dashboard is ready
//! sooner. WebKit decides this from `WEBKIT_DISABLE_COMPOSITING_MODE` when it sets up its
//! process pool, and setting a variable in a running program is `unsafe` (other threads may
//! read the environment), so the program starts itself again, in the same process, with the
//! variable set. An owner who wants the GPU compositor back runs the app with
//! `WEBKIT_DISABLE_COMPOSITING_MODE=0`, which WebKit reads as "not disabled".

/// The variable WebKitGTK reads: set and not `0`, the page is drawn without compositing.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// On Linux, unless `WEBKIT_DISABLE_COMPOSITING_MODE` is already set (either way), replaces
/// this program with itself — same process id, arguments and environment — plus the variable
/// set to `1`. Call it first thing in `main`, before any thread starts. Returns only when
/// nothing needed doing, or when the program could not be started again; then it says so on
/// stderr and the app runs with WebKit's default (compositing).
pub fn without_compositing() {
    #[cfg(target_os = "linux")]
    if std::env::var_os(DISABLE_COMPOSITING).is_none() {
        use std::os::unix::process::CommandExt;
        let exe = match std::env::current_exe() {
            Ok(exe) => exe,
            Err(err) => {
                eprintln!("note: the program's path is unknown ({err}); drawing with compositing");
                return;
            }
        };
        let mut args = std::env::args_os();
        let mut command = std::process::Command::new(exe);
        if let Some(name) = args.next() {
            command.arg0(name);
        }
        // `exec` returns only if the program could not be started again.
        let err = command.args(args).env(DISABLE_COMPOSITING, "1").exec();
        eprintln!("note: could not restart without compositing ({err}); drawing with compositing");
    }
}
