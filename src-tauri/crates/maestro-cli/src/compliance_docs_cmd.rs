//! `maestro compliance export`: the documents a compliance provider or auditor asks for
//! (roster, terminations, pay summaries) as CSV and/or PDF in one folder.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};
use maestro_app::App;
use maestro_app::compliance_docs::DocFormat;

/// `maestro compliance export` arguments.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The folder to write roster, terminations and pay-summaries into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Which files: csv, pdf or both.
    #[arg(long, value_enum, default_value_t = FormatArg::Both)]
    pub format: FormatArg,
    /// The company (id or name); needed when there are several.
    #[arg(long)]
    pub company: Option<String>,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// CSV files (RFC 4180, UTF-8).
    Csv,
    /// PDF files (printable tables).
    Pdf,
    /// Both.
    Both,
}

impl From<FormatArg> for DocFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Csv => DocFormat::Csv,
            FormatArg::Pdf => DocFormat::Pdf,
            FormatArg::Both => DocFormat::Both,
        }
    }
}

/// Writes the documents and says what was written.
pub async fn export(app: &App, args: ExportArgs) -> Result<ExitCode> {
    let company = app.company(args.company.as_deref()).await?;
    let summary = app
        .export_compliance_documents(company.id, &args.out, args.format.into())
        .await?;
    println!(
        "Wrote the documents of {}: {} people on the roster, {} terminations, {} pay summaries.",
        company.name, summary.people, summary.terminations, summary.pay_rows
    );
    for f in &summary.files {
        println!("  {}", f.display());
    }
    println!("SSNs, birth dates and bank numbers are not in these files.");
    Ok(ExitCode::SUCCESS)
}
