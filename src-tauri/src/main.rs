//! Integration Maestro desktop entry point. Everything lives in the library so it can be tested.

// Release builds on Windows run without a console window.
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

fn main() {
    maestro_desktop::rendering::without_compositing();
    maestro_malloc::tune();
    maestro_desktop::run();
}
