//! Files the owner chooses for a form: a client certificate or key read into its field.

use tauri::{AppHandle, Runtime};

use crate::error::{IpcError, IpcErrorCode};
use crate::file_dialog;

/// The largest PEM file read into a field: a certificate chain is a few kilobytes.
const MAX_PEM_BYTES: u64 = 256 * 1024;

/// Asks for a PEM file (a client certificate or its private key) in the system's open dialog
/// and returns its text for the form field `field`; `None` when the owner cancels. A file that
/// is not PEM, or too large to be one, is refused at `field`.
#[tauri::command]
#[specta::specta]
pub async fn choose_pem_file<R: Runtime>(
    handle: AppHandle<R>,
    field: String,
) -> Result<Option<String>, IpcError> {
    let Some(path) =
        file_dialog::pick_open_path(&handle, "Choose a PEM file", &[file_dialog::PEM]).await
    else {
        return Ok(None);
    };
    read_pem(&path).map(Some).map_err(|e| e.with_field(&field))
}

/// The text of the PEM file at `path`.
fn read_pem(path: &std::path::Path) -> Result<String, IpcError> {
    let refused = |message: String| IpcError::new(IpcErrorCode::Validation, message);
    let size = std::fs::metadata(path)
        .map_err(|e| refused(format!("{} cannot be read: {e}", path.display())))?
        .len();
    if size > MAX_PEM_BYTES {
        return Err(refused(format!(
            "{} is too large for a certificate or key ({size} bytes)",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|_| {
        refused(format!(
            "{} is not a PEM file (it is not text); choose the .pem file, not a .p12 or .pfx",
            path.display()
        ))
    })?;
    if !text.contains("-----BEGIN ") {
        return Err(refused(format!(
            "{} is not a PEM file: it has no '-----BEGIN' line",
            path.display()
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn a_pem_file_is_read_and_anything_else_refused() {
        let dir = tempfile::tempdir().unwrap();
        let pem = dir.path().join("cert.pem");
        let body = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        std::fs::write(&pem, body).unwrap();
        assert_eq!(read_pem(&pem).unwrap(), body);

        let der = dir.path().join("cert.p12");
        std::fs::write(&der, [0x30, 0x82, 0xff, 0xfe, 0x00]).unwrap();
        assert!(read_pem(&der).unwrap_err().message.contains("not text"));

        let plain = dir.path().join("notes.txt");
        std::fs::write(&plain, "hello").unwrap();
        assert!(read_pem(&plain).unwrap_err().message.contains("-----BEGIN"));

        let big = dir.path().join("big.pem");
        std::fs::write(&big, "-----BEGIN ".repeat(40_000)).unwrap();
        assert!(read_pem(&big).unwrap_err().message.contains("too large"));
    }

    #[test]
    fn backup_and_pem_files_are_chosen_in_the_dialog_and_a_cancel_does_nothing() {
        use serde_json::{Value, json};
        use tauri::Manager;

        let dir = tempfile::tempdir().unwrap();
        let h = super::super::screens_tests::Harness::new(dir.path()).unwrap();
        let _: Value = h.ok(
            "create_store",
            json!({"company": "Bluebird Bakery", "passphrase": "correct horse battery staple"}),
        );
        let answers = dir.path().join("answers");
        let backup = dir.path().join("bluebird.backup");
        let pem = dir.path().join("client.pem");
        std::fs::write(
            &pem,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        std::fs::write(
            &answers,
            format!("\n{}\n{}\n", backup.display(), pem.display()),
        )
        .unwrap();
        h.app
            .state::<crate::file_dialog::DialogHook>()
            .answer_from(answers);
        let passphrase = json!({"passphrase": "a long backup passphrase"});

        let cancelled: Value = h.ok("backup", passphrase.clone());
        assert_eq!(cancelled, Value::Null);
        assert!(!backup.exists(), "a cancelled dialog writes nothing");

        let saved: Value = h.ok("backup", passphrase);
        assert_eq!(saved["path"], json!(backup.display().to_string()));
        assert!(std::fs::metadata(&backup).unwrap().len() > 0);

        let text: Value = h.ok("choose_pem_file", json!({"field": "client_certificate"}));
        assert!(
            text.as_str()
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        let none: Value = h.ok("choose_pem_file", json!({"field": "client_certificate"}));
        assert_eq!(none, Value::Null, "no answer left is a cancel");
    }
}
