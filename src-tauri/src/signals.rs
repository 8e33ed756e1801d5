//! Quitting when the system asks: SIGTERM (a logout, a shutdown, `kill`) and SIGINT (Ctrl+C in
//! the terminal that started the app) end it the way the tray's Quit does — syncs stop at a
//! checkpoint, the store is closed and the window's size and place are saved — instead of
//! the process simply dying. A second request while that runs ends the process at once.

use tauri::{AppHandle, Runtime};

/// Exit status when a second request ends the process before the orderly quit finished
/// (128 + SIGTERM, as a shell reports a process ended by it).
const FORCED_EXIT: i32 = 143;

/// Starts listening for SIGTERM and SIGINT; the first one quits through [`crate::tray::quit`].
/// Does nothing off Unix. If the signals cannot be listened for, logs it, and they keep their
/// default action (the process ends at once).
pub fn quit_on_request<R: Runtime>(app: AppHandle<R>) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (mut term, mut int) = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(term), Ok(int)) => (term, int),
            (Err(err), _) | (_, Err(err)) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM/SIGINT; they end the app at once");
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("asked by the system to quit; quitting as the tray's Quit does");
        crate::tray::quit(app);
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::warn!("asked again to quit; ending now");
        std::process::exit(FORCED_EXIT);
    });
    #[cfg(not(unix))]
    drop(app);
}
