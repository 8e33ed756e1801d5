//! Waiting out an instance that has just quit, before the single-instance check.
//!
//! On Linux the single-instance plugin owns a D-Bus name and a second launch hands its
//! arguments to the name's owner. When the owner has just exited, the bus can keep listing it
//! as the owner for a moment (seconds on a busy machine): the new launch then finds the name
//! taken, its hand-over gets "recipient disconnected" and it refuses to start. So before the
//! plugin runs, a launch that finds an owner which does not answer waits until the bus
//! releases the name (or a live owner answers), then lets the plugin decide as usual.

use std::time::Duration;

/// How long a launch waits for a departing instance's name to be released.
pub const DEPARTURE_WAIT: Duration = Duration::from_secs(10);

/// The D-Bus name and object path the single-instance plugin uses for `identifier`.
pub fn bus_name_and_path(identifier: &str) -> (String, String) {
    let name = format!("{identifier}.SingleInstance");
    let mut path = name.replace('.', "/").replace('-', "_");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    (name, path)
}

/// Returns once no other instance holds the single-instance name, or its holder answers (a
/// live instance the plugin will hand over to), or `wait` has passed. Without a session bus
/// it returns at once: the plugin then starts normally too.
#[cfg(target_os = "linux")]
pub fn wait_for_departure(identifier: &str, wait: Duration) {
    use std::time::Instant;
    use zbus::blocking::fdo::{DBusProxy, PeerProxy};
    use zbus::names::BusName;

    let (name, path) = bus_name_and_path(identifier);
    let Ok(bus_name) = BusName::try_from(name.as_str()) else {
        return;
    };
    // A holder that is going away may leave a call unanswered until the bus notices.
    let Ok(connection) = zbus::blocking::connection::Builder::session()
        .map(|b| b.method_timeout(Duration::from_secs(2)))
        .and_then(|b| b.build())
    else {
        return;
    };
    let Ok(bus) = DBusProxy::new(&connection) else {
        return;
    };
    let answers = || -> zbus::Result<()> {
        PeerProxy::builder(&connection)
            .destination(bus_name.clone())?
            .path(path.as_str())?
            .build()?
            .ping()
    };
    let started = Instant::now();
    let mut waited = false;
    loop {
        match bus.name_has_owner(bus_name.clone()) {
            Ok(true) => {}
            // Free (or the bus cannot say): the plugin takes it from here.
            Ok(false) | Err(_) => break,
        }
        if answers().is_ok() || started.elapsed() > wait {
            break;
        }
        waited = true;
        std::thread::sleep(Duration::from_millis(100));
    }
    if waited {
        tracing::info!(
            waited_ms = started.elapsed().as_millis() as u64,
            "waited for the previous instance to leave the session bus"
        );
    }
}

/// Other platforms hand over without a stale owner to wait for.
#[cfg(not(target_os = "linux"))]
pub fn wait_for_departure(_identifier: &str, _wait: Duration) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_path_match_the_plugin() {
        let (name, path) = bus_name_and_path("app.integration-maestro.desktop");
        assert_eq!(name, "app.integration-maestro.desktop.SingleInstance");
        assert_eq!(path, "/app/integration_maestro/desktop/SingleInstance");
    }
}
