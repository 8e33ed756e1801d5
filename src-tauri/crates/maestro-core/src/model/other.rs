//! Bank accounts, background checks and e-signature requests.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Provenance, RawPayload};
use crate::ids::CompanyId;
use crate::sensitive::Sensitive;

/// Checking or savings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BankAccountType {
    /// Checking account.
    Checking,
    /// Savings account.
    Savings,
}

/// An employee's direct-deposit bank account.
///
/// Routing and account numbers are sensitive and synced only on opt-in; `account_last4` is a
/// non-sensitive hint the provider often gives even without them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankAccount {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the employee (or contractor) who owns it.
    pub employee_remote_id: String,
    /// Bank name.
    pub bank_name: Option<String>,
    /// Routing number (sensitive).
    pub routing_number: Option<Sensitive<String>>,
    /// Account number (sensitive).
    pub account_number: Option<Sensitive<String>>,
    /// Last four digits of the account number, as the provider shows them.
    pub account_last4: Option<String>,
    /// Checking or savings.
    pub account_type: Option<BankAccountType>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Progress of a background check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackgroundCheckStatus {
    /// Ordered, waiting on the candidate or the provider.
    Pending,
    /// Running.
    InProgress,
    /// Finished; see the result.
    Completed,
    /// Paused by the provider (missing information).
    Suspended,
    /// Cancelled.
    Cancelled,
    /// Disputed by the candidate.
    Disputed,
}

/// Outcome of a completed background check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackgroundCheckResult {
    /// Nothing reportable.
    Clear,
    /// Something needs review by the employer.
    Consider,
    /// Anything else (the provider's value is in `raw`).
    Other,
}

/// A background check ordered for a candidate (e.g. Checkr report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackgroundCheck {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Remote id of the candidate in the background-check provider.
    pub candidate_remote_id: String,
    /// Package or screening name (e.g. "tasker_standard").
    pub package: Option<String>,
    /// Progress.
    pub status: BackgroundCheckStatus,
    /// Outcome, once completed.
    pub result: Option<BackgroundCheckResult>,
    /// The employer's decision on a result that needs review, as the provider words it
    /// (Checkr: `engaged`, `pre_adverse_action`, `post_adverse_action`); `None` while nobody
    /// has decided, or when the provider records no decision (GoodHire).
    #[serde(default)]
    pub adjudication: Option<String>,
    /// When it was ordered.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Link to the report in the provider's app.
    pub report_url: Option<String>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Someone a background check was ordered for, as the check provider knows them (a Checkr
/// candidate; a GoodHire report's candidate). Checks refer to it by
/// [`BackgroundCheck::candidate_remote_id`]; the email and name are what joins the candidate
/// to the company's people. SSN, birth date, phone and licence numbers are never kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// The email the candidate gave (usually a personal one).
    pub email: Option<String>,
    /// The provider payload, without the private members.
    #[serde(default)]
    pub raw: RawPayload,
}

/// Status of a signature request as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureRequestStatus {
    /// Not sent yet.
    Draft,
    /// Sent, nobody has signed.
    Sent,
    /// Some signers have signed.
    PartiallySigned,
    /// Everyone signed.
    Completed,
    /// A signer declined.
    Declined,
    /// Withdrawn by the sender.
    Voided,
    /// Expired before completion.
    Expired,
}

/// Status of one signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerStatus {
    /// Not notified yet (e.g. waiting for an earlier signer).
    Pending,
    /// Notified.
    Sent,
    /// Opened the document.
    Viewed,
    /// Signed.
    Signed,
    /// Declined.
    Declined,
}

/// One person asked to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// Name.
    pub name: Option<String>,
    /// Email the request went to.
    pub email: String,
    /// Status.
    pub status: SignerStatus,
    /// When they signed.
    pub signed_at: Option<DateTime<Utc>>,
}

/// A document in a signature request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureDocument {
    /// The provider's id for the document.
    pub remote_id: Option<String>,
    /// File or document name.
    pub name: String,
}

/// An e-signature envelope (DocuSign, Dropbox Sign…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureRequest {
    /// Where the record came from.
    pub provenance: Provenance,
    /// The local company this record is synced into.
    pub company_id: CompanyId,
    /// Title or subject.
    pub title: String,
    /// Overall status.
    pub status: SignatureRequestStatus,
    /// Signers, in signing order.
    #[serde(default)]
    pub signers: Vec<Signer>,
    /// Documents.
    #[serde(default)]
    pub documents: Vec<SignatureDocument>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// When everyone had signed.
    pub completed_at: Option<DateTime<Utc>>,
    /// The provider payload.
    #[serde(default)]
    pub raw: RawPayload,
}
