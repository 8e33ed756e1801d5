//! Local emulators of the Gusto, BambooHR and Harvest APIs for Integration Maestro's demo mode,
//! tests and benchmarks.
//!
//! [`Sandbox::start`] serves each provider on its own `127.0.0.1` ephemeral port with the real
//! paths (Gusto `/v1`, `/oauth`; BambooHR `/api/v1`; Harvest `/v2` plus its identity server's
//! `/oauth2/authorize` and `/api/v2/oauth2/token`), seeded deterministically with one small
//! business whose people exist in all three systems. Tests read and mutate the ground truth
//! through [`Sandbox`] methods, script faults with [`FaultPlan`], and count requests.
//! Every server also exposes `/_sandbox/{faults,revoke,reset,stats}` for the CLI.

pub mod adversarial;
mod bamboohr;
pub mod benefits;
pub mod config;
mod control;
pub mod error;
pub mod faults;
mod gusto;
mod harvest;
mod kit;
mod mtls;
mod oauth;
mod rate_limit;
pub mod seed;
mod server;
pub mod webhooks;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use adversarial::Adversarial;
pub use config::{PerProvider, Provider, RateLimit, SandboxConfig};
pub use error::SandboxError;
pub use faults::{FaultPlan, MalformedKind};
pub use gusto::API_VERSION as GUSTO_API_VERSION;
pub use mtls::foreign_client_identity;
pub use server::RequestRecord;
pub use webhooks::{WebhookDelivery, WebhookEvent, hmac_hex};

use bamboohr::BambooState;
use control::Control;
use gusto::GustoState;
use harvest::HarvestState;
use kit::KitState;
use seed::Company;
use server::{Ctx, ServerHandle, lock};

/// Gusto demo credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GustoCredentials {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Pre-issued company access token (valid 2 h from start).
    pub access_token: String,
    /// Pre-issued refresh token.
    pub refresh_token: String,
    /// The company's uuid.
    pub company_uuid: String,
    /// Webhook subscription uuid.
    pub webhook_subscription_uuid: String,
    /// Webhook subscription `verification_token` (HMAC key of `X-Gusto-Signature`).
    pub webhook_verification_token: String,
    /// API version implemented (`X-Gusto-API-Version`).
    pub api_version: String,
}

/// BambooHR demo credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BambooHrCredentials {
    /// API key (40 hex chars): the Basic-auth username; any password.
    pub api_key: String,
    /// Company domain (`{companyDomain}.bamboohr.com`).
    pub company_domain: String,
    /// Webhook `privateKey` (HMAC key of `X-BambooHR-Signature`).
    pub webhook_private_key: String,
}

/// Harvest demo credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HarvestCredentials {
    /// Personal access token (`Authorization: Bearer`).
    pub personal_access_token: String,
    /// Account id (`Harvest-Account-Id`).
    pub account_id: String,
    /// OAuth client id.
    pub oauth_client_id: String,
    /// OAuth client secret.
    pub oauth_client_secret: String,
}

/// Toggl Track demo credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TogglCredentials {
    /// API token (Basic auth user name; the password is the literal `api_token`).
    pub api_token: String,
    /// Workspace id.
    pub workspace_id: String,
}

/// Clockify demo credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockifyCredentials {
    /// API key (`X-Api-Key`).
    pub api_key: String,
    /// Workspace id.
    pub workspace_id: String,
}

/// Rippling demo credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RipplingCredentials {
    /// API token (`Authorization: Bearer`).
    pub api_token: String,
}

/// Checkr demo credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckrCredentials {
    /// Secret API key (Basic auth user name, empty password; it also signs webhooks).
    pub api_key: String,
}

/// GoodHire demo credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoodHireCredentials {
    /// API key (`Authorization: ApiKey <key>`).
    pub api_key: String,
    /// The company id in every path.
    pub company_id: String,
}

/// Zenefits demo credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZenefitsCredentials {
    /// API token (`Authorization: Bearer`).
    pub api_token: String,
}

/// Justworks demo credentials: an OAuth client of the sandbox's authorization server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JustworksCredentials {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Pre-issued access token (valid 24 h from start).
    pub access_token: String,
    /// Pre-issued refresh token.
    pub refresh_token: String,
}

/// QuickBooks Online demo credentials: an OAuth client of the sandbox's authorization server
/// and the company (realm) the sign-in picks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickBooksCredentials {
    /// The company's realm id (the sign-in's redirect gives it as `realmId`).
    pub realm_id: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Pre-issued access token.
    pub access_token: String,
    /// Pre-issued refresh token.
    pub refresh_token: String,
}

/// TriNet demo credentials: what TriNet's Integration Center shows once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriNetCredentials {
    /// The Company ID in every path.
    pub company_id: String,
    /// The Client ID.
    pub client_id: String,
    /// The Client Secret.
    pub client_secret: String,
}

/// Paychex Flex demo credentials: the API key (client id) and secret of an app created under
/// Company Settings > Integrated apps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaychexCredentials {
    /// The company's id (`companyId`), for tests; the connection reads it from `/companies`.
    pub company_id: String,
    /// The client id (API key).
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

/// ADP demo credentials: what ADP's developer portal gives a Data Connector app, and the
/// client certificate the sandbox's test CA signed (ADP's certificate tool signs the real one).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdpCredentials {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// The client certificate (PEM).
    pub client_certificate: String,
    /// Its private key (PEM).
    pub client_key: String,
    /// The sandbox's test CA (PEM): trusted only for the sandbox's ADP address.
    pub ca_certificate: String,
}

impl std::fmt::Debug for AdpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdpCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// All demo credentials, derived from the seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCredentials {
    /// Gusto.
    pub gusto: GustoCredentials,
    /// BambooHR.
    pub bamboohr: BambooHrCredentials,
    /// Harvest.
    pub harvest: HarvestCredentials,
    /// Toggl Track.
    pub toggl: TogglCredentials,
    /// Clockify.
    pub clockify: ClockifyCredentials,
    /// Rippling.
    #[serde(default)]
    pub rippling: RipplingCredentials,
    /// Checkr.
    #[serde(default)]
    pub checkr: CheckrCredentials,
    /// GoodHire.
    #[serde(default)]
    pub goodhire: GoodHireCredentials,
    /// Zenefits.
    #[serde(default)]
    pub zenefits: ZenefitsCredentials,
    /// Justworks.
    #[serde(default)]
    pub justworks: JustworksCredentials,
    /// TriNet.
    #[serde(default)]
    pub trinet: TriNetCredentials,
    /// ADP Workforce Now.
    #[serde(default)]
    pub adp: AdpCredentials,
    /// Paychex Flex.
    #[serde(default)]
    pub paychex: PaychexCredentials,
    /// QuickBooks Online.
    #[serde(default)]
    pub quickbooks: QuickBooksCredentials,
}

/// The running emulators. Dropping it stops the servers; prefer [`Sandbox::shutdown`].
pub struct Sandbox {
    config: SandboxConfig,
    company: Arc<Company>,
    gusto: Arc<GustoState>,
    bamboo: Arc<BambooState>,
    harvest: Arc<HarvestState>,
    toggl: Arc<KitState>,
    clockify: Arc<KitState>,
    rippling: Arc<KitState>,
    checkr: Arc<KitState>,
    goodhire: Arc<KitState>,
    zenefits: Arc<KitState>,
    justworks: Arc<KitState>,
    trinet: Arc<KitState>,
    adp: Arc<KitState>,
    adp_tls: mtls::MutualTls,
    paychex: Arc<KitState>,
    quickbooks: Arc<KitState>,
    servers: Vec<ServerHandle>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("gusto", &self.gusto.ctx.base_url)
            .field("bamboohr", &self.bamboo.ctx.base_url)
            .field("harvest", &self.harvest.ctx.base_url)
            .field("toggl", &self.toggl.ctx.base_url)
            .field("clockify", &self.clockify.ctx.base_url)
            .field("rippling", &self.rippling.ctx.base_url)
            .field("checkr", &self.checkr.ctx.base_url)
            .field("goodhire", &self.goodhire.ctx.base_url)
            .field("zenefits", &self.zenefits.ctx.base_url)
            .field("justworks", &self.justworks.ctx.base_url)
            .field("trinet", &self.trinet.ctx.base_url)
            .field("adp", &self.adp.ctx.base_url)
            .field("paychex", &self.paychex.ctx.base_url)
            .field("quickbooks", &self.quickbooks.ctx.base_url)
            .finish()
    }
}

fn app(provider_router: Router, ctl: Arc<dyn Control>, ctx: Arc<Ctx>) -> Router {
    provider_router
        .merge(control::router(ctl))
        .layer(middleware::from_fn_with_state(ctx, server::api_layer))
}

/// Serves a provider emulated from its provider file (the kit's routes) on `listener`.
fn serve_kit(listener: tokio::net::TcpListener, state: &Arc<KitState>) -> server::ServerHandle {
    server::serve(
        listener,
        app(
            kit::routes::router(state.clone()),
            state.clone(),
            state.ctx.clone(),
        ),
    )
}

impl Sandbox {
    /// Starts the servers on `127.0.0.1` ephemeral ports. Must run inside a Tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        Self::start_at(config, PerProvider::default()).await
    }

    /// Starts the servers on `127.0.0.1` at the given ports (0 picks a free one), so a
    /// saved connection finds its emulator again after a restart. Fails if a port is taken.
    pub async fn start_at(
        config: SandboxConfig,
        ports: PerProvider<u16>,
    ) -> Result<Sandbox, SandboxError> {
        let company = Arc::new(seed::generate(&config));
        let few = match config.seeded {
            Some(_) => Arc::new(seed::with_first(
                &config,
                &company,
                SandboxConfig::FEW_PEOPLE,
            )),
            None => company.clone(),
        };
        // The company `p` holds: everyone, or the first few when it is not among those seeded.
        let company_of = |p: Provider| {
            if config.seeds(p) {
                company.clone()
            } else {
                few.clone()
            }
        };
        let (gl, gurl) = server::bind(ports.gusto).await?;
        let (bl, burl) = server::bind(ports.bamboohr).await?;
        let (hl, hurl) = server::bind(ports.harvest).await?;
        let (tl, turl) = server::bind(ports.toggl).await?;
        let (cl, curl) = server::bind(ports.clockify).await?;
        let (rl, rurl) = server::bind(ports.rippling).await?;
        let (kl, kurl) = server::bind(ports.checkr).await?;
        let (ghl, ghurl) = server::bind(ports.goodhire).await?;
        let (zl, zurl) = server::bind(ports.zenefits).await?;
        let (jl, jurl) = server::bind(ports.justworks).await?;
        let (tnl, tnurl) = server::bind(ports.trinet).await?;
        let (adpl, _) = server::bind(ports.adp).await?;
        let adpurl = mtls::https_url(&adpl)?;
        let adp_tls = mtls::MutualTls::generate("ADP", company.seed)?;
        let (pxl, pxurl) = server::bind(ports.paychex).await?;
        let (qbl, qburl) = server::bind(ports.quickbooks).await?;
        let ctx = |p: Provider, url: String| {
            Arc::new(Ctx::new(
                p,
                url,
                config.faults.get(p).clone(),
                *config.rate_limits.get(p),
            ))
        };
        let harvest = Arc::new(HarvestState::new(
            ctx(Provider::Harvest, hurl),
            company_of(Provider::Harvest),
            config.time_entries,
        ));
        let tracked = harvest.tracked_hours();
        let gusto = Arc::new(GustoState::new(
            ctx(Provider::Gusto, gurl),
            company_of(Provider::Gusto),
            tracked,
        ));
        let bamboo = Arc::new(BambooState::new(
            ctx(Provider::BambooHr, burl),
            company_of(Provider::BambooHr),
        ));
        let kit_state = |p: Provider, url: String, make| -> Result<Arc<KitState>, SandboxError> {
            let builtin = maestro_kit::builtin_file(p.name()).ok_or_else(|| {
                SandboxError::Invalid(format!("this build has no {} provider file", p.name()))
            })?;
            Ok(Arc::new(KitState::new(
                ctx(p, url),
                builtin,
                company_of(p),
                make,
            )))
        };
        let toggl = kit_state(Provider::Toggl, turl, kit::toggl::dataset)?;
        let clockify = kit_state(Provider::Clockify, curl, kit::clockify::dataset)?;
        let rippling = kit_state(Provider::Rippling, rurl, kit::rippling::dataset)?;
        let checkr = kit_state(Provider::Checkr, kurl, kit::checkr::dataset)?;
        let goodhire = kit_state(Provider::GoodHire, ghurl, kit::goodhire::dataset)?;
        let zenefits = kit_state(Provider::Zenefits, zurl, kit::zenefits::dataset)?;
        let justworks = kit_state(Provider::Justworks, jurl, kit::justworks::dataset)?;
        let trinet = kit_state(Provider::TriNet, tnurl, kit::trinet::dataset)?;
        let adp = kit_state(Provider::Adp, adpurl, kit::adp::dataset)?;
        let paychex = kit_state(Provider::Paychex, pxurl, kit::paychex::dataset)?;
        let quickbooks = kit_state(Provider::QuickBooks, qburl, kit::quickbooks::dataset)?;
        let servers = vec![
            server::serve(
                gl,
                app(
                    gusto::routes::router(gusto.clone()),
                    gusto.clone(),
                    gusto.ctx.clone(),
                ),
            ),
            server::serve(
                bl,
                bamboohr::with_throttle_status(
                    app(
                        bamboohr::routes::router(bamboo.clone()),
                        bamboo.clone(),
                        bamboo.ctx.clone(),
                    ),
                    bamboo.clone(),
                ),
            ),
            server::serve(
                hl,
                app(
                    harvest::routes::router(harvest.clone()),
                    harvest.clone(),
                    harvest.ctx.clone(),
                ),
            ),
            serve_kit(tl, &toggl),
            serve_kit(cl, &clockify),
            serve_kit(rl, &rippling),
            serve_kit(kl, &checkr),
            serve_kit(ghl, &goodhire),
            serve_kit(zl, &zenefits),
            serve_kit(jl, &justworks),
            serve_kit(tnl, &trinet),
            mtls::serve(
                adpl,
                app(
                    kit::routes::router(adp.clone()),
                    adp.clone(),
                    adp.ctx.clone(),
                ),
                &adp_tls,
            ),
            serve_kit(pxl, &paychex),
            serve_kit(qbl, &quickbooks),
        ];
        Ok(Sandbox {
            config,
            company,
            gusto,
            bamboo,
            harvest,
            toggl,
            clockify,
            rippling,
            checkr,
            goodhire,
            zenefits,
            justworks,
            trinet,
            paychex,
            quickbooks,
            adp,
            adp_tls,
            servers,
        })
    }

    /// Stops the servers and waits (up to 5 s) for them to finish.
    pub async fn shutdown(mut self) {
        let servers = std::mem::take(&mut self.servers);
        for mut s in servers {
            if let Some(tx) = s.shutdown.take() {
                let _ = tx.send(());
            }
            if tokio::time::timeout(Duration::from_secs(5), &mut s.task)
                .await
                .is_err()
            {
                s.task.abort();
            }
        }
    }

    fn control(&self, p: Provider) -> &dyn Control {
        match p {
            Provider::Gusto => self.gusto.as_ref(),
            Provider::BambooHr => self.bamboo.as_ref(),
            Provider::Harvest => self.harvest.as_ref(),
            Provider::Toggl => self.toggl.as_ref(),
            Provider::Clockify => self.clockify.as_ref(),
            Provider::Rippling => self.rippling.as_ref(),
            Provider::Checkr => self.checkr.as_ref(),
            Provider::GoodHire => self.goodhire.as_ref(),
            Provider::Zenefits => self.zenefits.as_ref(),
            Provider::Justworks => self.justworks.as_ref(),
            Provider::TriNet => self.trinet.as_ref(),
            Provider::Adp => self.adp.as_ref(),
            Provider::Paychex => self.paychex.as_ref(),
            Provider::QuickBooks => self.quickbooks.as_ref(),
        }
    }

    fn kit(&self, p: Provider) -> Option<&KitState> {
        match p {
            Provider::Toggl => Some(&self.toggl),
            Provider::Clockify => Some(&self.clockify),
            Provider::Rippling => Some(&self.rippling),
            Provider::Checkr => Some(&self.checkr),
            Provider::GoodHire => Some(&self.goodhire),
            Provider::Zenefits => Some(&self.zenefits),
            Provider::Justworks => Some(&self.justworks),
            Provider::TriNet => Some(&self.trinet),
            Provider::Adp => Some(&self.adp),
            Provider::Paychex => Some(&self.paychex),
            Provider::QuickBooks => Some(&self.quickbooks),
            _ => None,
        }
    }

    /// The providers emulated from their provider files (the kit's emulator).
    pub const KIT: [Provider; 11] = [
        Provider::Toggl,
        Provider::Clockify,
        Provider::Rippling,
        Provider::Checkr,
        Provider::GoodHire,
        Provider::Zenefits,
        Provider::Justworks,
        Provider::TriNet,
        Provider::Paychex,
        Provider::QuickBooks,
        Provider::Adp,
    ];

    /// Turns adversarial answers on or off for a provider that has a provider file (short
    /// pages, reordered records, unlisted members, nulls where the spec allows them).
    pub fn set_adversarial(&self, p: Provider, mode: Adversarial) {
        *lock(&self.control(p).ctx().adversarial) = mode;
    }

    /// The records of a provider file's `stream` (every partition), as the API renders them.
    pub fn records(&self, p: Provider, stream: &str) -> Vec<Value> {
        if let Some(k) = self.kit(p) {
            return lock(&k.data).all(stream);
        }
        match (p, stream) {
            (Provider::Harvest, "users") => self.harvest_users(),
            (Provider::Harvest, "time_entries") => {
                self.harvest_time_entries(0, self.harvest_time_entry_count())
            }
            _ => Vec::new(),
        }
    }

    /// Deletes record `id` of a provider file's `stream` as the provider would (QuickBooks: a
    /// tombstone in its change feed); false when there is no such record.
    pub fn remove_record(&self, p: Provider, stream: &str, id: &str) -> bool {
        self.kit(p)
            .is_some_and(|k| lock(&k.data).remove(stream, id))
    }

    /// Adds a record to a provider file's `stream` like its newest, changed now; its id.
    pub fn add_record(&self, p: Provider, stream: &str) -> Option<String> {
        if let Some(k) = self.kit(p) {
            return lock(&k.data).add_like_last(stream);
        }
        match (p, stream) {
            (Provider::Harvest, "time_entries") => {
                let user = self.company.people.first()?.harvest_id;
                let today = chrono::Utc::now().date_naive();
                self.add_time_entries(user, today, Decimal::new(15, 1), 1)
                    .ok()?
                    .first()
                    .map(u64::to_string)
            }
            _ => None,
        }
    }

    /// Base URL of a provider's server, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self, p: Provider) -> String {
        self.control(p).ctx().base_url.clone()
    }

    /// The configuration the sandbox was started with.
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// The seeded company (people, locations, departments, ids in every provider, secrets).
    pub fn company(&self) -> &Company {
        &self.company
    }

    /// Demo credentials for all providers.
    pub fn credentials(&self) -> DemoCredentials {
        let s = &self.company.secrets;
        DemoCredentials {
            gusto: GustoCredentials {
                client_id: s.gusto_client_id.clone(),
                client_secret: s.gusto_client_secret.clone(),
                access_token: s.gusto_access_token.clone(),
                refresh_token: s.gusto_refresh_token.clone(),
                company_uuid: self.company.gusto_uuid.clone(),
                webhook_subscription_uuid: s.gusto_webhook_subscription_uuid.clone(),
                webhook_verification_token: s.gusto_verification_token.clone(),
                api_version: gusto::API_VERSION.to_string(),
            },
            bamboohr: BambooHrCredentials {
                api_key: s.bamboo_api_key.clone(),
                company_domain: self.company.domain.clone(),
                webhook_private_key: s.bamboo_webhook_private_key.clone(),
            },
            harvest: HarvestCredentials {
                personal_access_token: s.harvest_pat.clone(),
                account_id: s.harvest_account_id.to_string(),
                oauth_client_id: s.harvest_client_id.clone(),
                oauth_client_secret: s.harvest_client_secret.clone(),
            },
            toggl: TogglCredentials {
                api_token: self.toggl.key(),
                workspace_id: self.toggl.account_id(),
            },
            clockify: ClockifyCredentials {
                api_key: self.clockify.key(),
                workspace_id: self.clockify.account_id(),
            },
            rippling: RipplingCredentials {
                api_token: self.rippling.key(),
            },
            checkr: CheckrCredentials {
                api_key: self.checkr.key(),
            },
            goodhire: GoodHireCredentials {
                api_key: self.goodhire.key(),
                company_id: self.goodhire.account_id(),
            },
            zenefits: ZenefitsCredentials {
                api_token: self.zenefits.key(),
            },
            justworks: {
                let b = self.justworks.builtin;
                let (access_token, refresh_token) = kit::oauth::preissued(&self.company, b);
                JustworksCredentials {
                    client_id: self.justworks.key(),
                    client_secret: kit::oauth::client_secret(&self.company, b),
                    access_token,
                    refresh_token,
                }
            },
            quickbooks: {
                let b = self.quickbooks.builtin;
                let (access_token, refresh_token) = kit::oauth::preissued(&self.company, b);
                QuickBooksCredentials {
                    realm_id: self.quickbooks.account_id(),
                    client_id: self.quickbooks.key(),
                    client_secret: kit::oauth::client_secret(&self.company, b),
                    access_token,
                    refresh_token,
                }
            },
            trinet: TriNetCredentials {
                company_id: self.trinet.account_id(),
                client_id: kit::trinet::client_id(&self.company),
                client_secret: kit::trinet::client_secret(&self.company),
            },
            adp: AdpCredentials {
                client_id: kit::adp::client_id(&self.company),
                client_secret: kit::adp::client_secret(&self.company),
                client_certificate: self.adp_tls.client_cert_pem.clone(),
                client_key: self.adp_tls.client_key_pem.clone(),
                ca_certificate: self.adp_tls.ca_pem.clone(),
            },
            paychex: PaychexCredentials {
                company_id: self.paychex.account_id(),
                client_id: kit::paychex::client_id(&self.company),
                client_secret: kit::paychex::client_secret(&self.company),
            },
        }
    }

    // ---- faults, auth, stats ----

    /// Replaces the provider's fault plan (same as `POST /_sandbox/faults`).
    pub fn set_faults(&self, p: Provider, plan: FaultPlan) {
        control::apply_faults(self.control(p), plan);
    }

    /// The provider's remaining fault plan.
    pub fn faults(&self, p: Provider) -> FaultPlan {
        lock(&self.control(p).ctx().faults).clone()
    }

    /// Revokes every token/key of the provider: API calls get 401, refreshes `invalid_grant`.
    pub fn revoke(&self, p: Provider) {
        self.control(p).revoke();
    }

    /// Changes a benefit enrollment in BambooHR: from `effective` on, BambooHR employee
    /// `employee` has `status` ("Enrolled", "Waived", "Withdrew", "Terminated") in `plan`
    /// (ids in [`benefits`]); a later date schedules the change. The employee must already
    /// have a record of the plan.
    pub fn set_bamboohr_enrollment(
        &self,
        employee: u32,
        plan: &str,
        status: &str,
        effective: NaiveDate,
    ) -> Result<(), SandboxError> {
        if ![
            "Enrolled",
            "Waived",
            "Withdrew",
            "Terminated",
            "Eligible",
            "Ineligible",
        ]
        .contains(&status)
        {
            return Err(SandboxError::Invalid(format!(
                "{status} is not an enrollment status"
            )));
        }
        let mut d = lock(&self.bamboo.data);
        if bamboohr::benefits::change_status(
            &mut d.employee_benefits,
            employee,
            plan,
            status,
            effective,
        ) {
            Ok(())
        } else {
            Err(SandboxError::NotFound(format!(
                "bamboohr employee {employee} has no record of plan {plan}"
            )))
        }
    }

    /// Re-seeds the provider's data and credentials; clears faults and request counts.
    pub fn reset(&self, p: Provider) {
        self.control(p).reset();
    }

    /// Expires all OAuth access tokens of Gusto, Harvest or a provider file that signs in
    /// with OAuth (Justworks), to exercise refresh; or the client-credentials tokens of a
    /// provider file (TriNet), to exercise fetching a new one.
    pub fn expire_access_tokens(&self, p: Provider) {
        if let Some(o) = self.kit(p).and_then(|k| k.oauth.as_ref()) {
            lock(o).expire_all();
            return;
        }
        if let Some(k) = self.kit(p) {
            // Client credentials (TriNet): the tokens its endpoint issued.
            k.tokens.expire_all();
        }
        match p {
            Provider::Gusto => lock(&self.gusto.oauth).expire_all(),
            Provider::Harvest => lock(&self.harvest.oauth).expire_all(),
            Provider::BambooHr
            | Provider::Toggl
            | Provider::Clockify
            | Provider::Rippling
            | Provider::Checkr
            | Provider::GoodHire
            | Provider::Zenefits
            | Provider::Justworks
            | Provider::Paychex
            | Provider::TriNet
            | Provider::Adp
            | Provider::QuickBooks => {}
        }
    }

    /// Makes the refresh tokens of a provider file whose `[auth.refresh_token]` gives them a
    /// life (QuickBooks) `by` older: past the rotation age the next refresh rotates, past the
    /// previous token's window it is refused, past the lifetime every refresh is refused.
    /// Nothing for the others (Gusto's and Harvest's refresh tokens have no documented life).
    pub fn age_refresh_tokens(&self, p: Provider, by: chrono::Duration) {
        if let Some(o) = self.kit(p).and_then(|k| k.oauth.as_ref()) {
            lock(o).age_refresh_tokens(by);
        }
    }

    /// How many access tokens the token endpoint of a provider file with client credentials
    /// (TriNet) issued since the last reset; 0 for the others.
    pub fn tokens_issued(&self, p: Provider) -> usize {
        self.kit(p).map_or(0, |k| k.tokens.count())
    }

    /// API requests received (everything except `/_sandbox/*`), faulted ones included.
    pub fn request_count(&self, p: Provider) -> u64 {
        self.control(p).ctx().count.load(Ordering::SeqCst)
    }

    /// The API requests received, in order.
    pub fn requests(&self, p: Provider) -> Vec<RequestRecord> {
        lock(&self.control(p).ctx().log).clone()
    }

    /// Clears the request count and log.
    pub fn reset_requests(&self, p: Provider) {
        self.control(p).ctx().reset_stats();
    }

    // ---- ground truth: reads ----

    /// Gusto employees exactly as `GET /v1/employees/{id}` returns them.
    pub fn gusto_employees(&self) -> Vec<Value> {
        lock(&self.gusto.data).employees.clone()
    }

    /// Gusto payrolls (with `employee_compensations`).
    pub fn gusto_payrolls(&self) -> Vec<Value> {
        lock(&self.gusto.data).payrolls.clone()
    }

    /// BambooHR employees as field maps (every field name → value), including inactive ones.
    pub fn bamboohr_employees(&self) -> Vec<Value> {
        lock(&self.bamboo.data)
            .employees
            .values()
            .map(|m| Value::Object(m.clone()))
            .collect()
    }

    /// Rows of a BambooHR table (`jobInfo`, `compensation`, `employmentStatus`).
    pub fn bamboohr_table(&self, table: &str) -> Vec<Value> {
        lock(&self.bamboo.data)
            .tables
            .get(table)
            .cloned()
            .unwrap_or_default()
    }

    /// BambooHR time-off requests.
    pub fn bamboohr_time_off_requests(&self) -> Vec<Value> {
        lock(&self.bamboo.data).time_off.clone()
    }

    /// Harvest users as `GET /v2/users` returns them.
    pub fn harvest_users(&self) -> Vec<Value> {
        lock(&self.harvest.data).users.clone()
    }

    /// Number of Harvest time entries.
    pub fn harvest_time_entry_count(&self) -> usize {
        lock(&self.harvest.data).entries.len()
    }

    /// Harvest time entries in API order (newest `spent_date` first), rendered as the API does.
    pub fn harvest_time_entries(&self, offset: usize, limit: usize) -> Vec<Value> {
        let d = lock(&self.harvest.data);
        d.entries
            .iter()
            .rev()
            .skip(offset)
            .take(limit)
            .map(|e| d.render(e))
            .collect()
    }

    /// Sum of all Harvest hours (exact).
    pub fn harvest_total_hours(&self) -> Decimal {
        let d = lock(&self.harvest.data);
        Decimal::new(d.entries.iter().map(|e| i64::from(e.centi_hours)).sum(), 2)
    }

    // ---- ground truth: mutations ----

    /// Finishes the open background check `id` of `p` (a Checkr report, a GoodHire report)
    /// with a clear result, completed at the start of the sandbox's today (never before it was
    /// ordered), as the provider does once the screening is done.
    pub fn complete_check(&self, p: Provider, id: &str) -> Result<(), SandboxError> {
        let kit = self
            .kit(p)
            .ok_or_else(|| SandboxError::Unsupported(format!("{p:?} has no background checks")))?;
        let at = seed::at(self.company.today, 0);
        if lock(&kit.data).complete_check(id, at) {
            Ok(())
        } else {
            Err(SandboxError::NotFound(format!(
                "no open background check {id} in {p:?}"
            )))
        }
    }

    /// Sets one field of an employee/user, bumping `version` (Gusto), logging an `Updated`
    /// change (BambooHR) or `updated_at` (Harvest). `id` is the provider's own id (Gusto uuid,
    /// BambooHR numeric id, Harvest user id).
    pub fn set_employee_field(
        &self,
        p: Provider,
        id: &str,
        field: &str,
        value: Value,
    ) -> Result<(), SandboxError> {
        match p {
            Provider::Toggl
            | Provider::Clockify
            | Provider::Rippling
            | Provider::Checkr
            | Provider::GoodHire
            | Provider::Zenefits
            | Provider::Justworks
            | Provider::Paychex
            | Provider::TriNet
            | Provider::Adp
            | Provider::QuickBooks => Err(SandboxError::Unsupported(format!(
                "the {} emulator does not change its people yet",
                p.name()
            ))),
            Provider::Gusto => {
                let mut d = lock(&self.gusto.data);
                let e = d
                    .employee_mut(id)
                    .ok_or_else(|| SandboxError::NotFound(format!("gusto employee {id}")))?;
                e.insert(field.to_string(), value);
                d.touch_employee(id);
                Ok(())
            }
            Provider::BambooHr => {
                let eid = id
                    .parse::<u32>()
                    .map_err(|_| SandboxError::Invalid(id.into()))?;
                let mut d = lock(&self.bamboo.data);
                let m = d
                    .employees
                    .get_mut(&eid)
                    .ok_or_else(|| SandboxError::NotFound(format!("bamboohr employee {id}")))?;
                m.insert(field.to_string(), value);
                d.log_change(eid, bamboohr::data::Action::Updated);
                Ok(())
            }
            Provider::Harvest => {
                let uid = id
                    .parse::<u64>()
                    .map_err(|_| SandboxError::Invalid(id.into()))?;
                let mut d = lock(&self.harvest.data);
                let u = d
                    .users
                    .iter_mut()
                    .find(|u| u["id"].as_u64() == Some(uid))
                    .and_then(Value::as_object_mut)
                    .ok_or_else(|| SandboxError::NotFound(format!("harvest user {id}")))?;
                u.insert(field.to_string(), value);
                u.insert(
                    "updated_at".into(),
                    Value::String(harvest::data::ts_of(chrono::Utc::now().timestamp())),
                );
                Ok(())
            }
        }
    }

    /// Terminates an employee effective `date` (Gusto: termination + `terminated`; BambooHR:
    /// status Inactive + employmentStatus row; Harvest: `is_active: false`).
    pub fn terminate_employee(
        &self,
        p: Provider,
        id: &str,
        date: NaiveDate,
    ) -> Result<(), SandboxError> {
        match p {
            Provider::Toggl
            | Provider::Clockify
            | Provider::Rippling
            | Provider::Checkr
            | Provider::GoodHire
            | Provider::Zenefits
            | Provider::Justworks
            | Provider::Paychex
            | Provider::TriNet
            | Provider::Adp
            | Provider::QuickBooks => Err(SandboxError::Unsupported(format!(
                "the {} emulator does not change its people yet",
                p.name()
            ))),
            Provider::Gusto => {
                let mut d = lock(&self.gusto.data);
                let term_uuid = seed::new_uuid();
                let v = d.next_version(&term_uuid);
                let e = d
                    .employee_mut(id)
                    .ok_or_else(|| SandboxError::NotFound(format!("gusto employee {id}")))?;
                let t = serde_json::json!({"uuid": term_uuid, "version": v, "employee_uuid": id, "active": true, "cancelable": true, "effective_date": date.to_string(), "run_termination_payroll": false});
                if let Some(a) = e.get_mut("terminations").and_then(Value::as_array_mut) {
                    a.push(t);
                }
                e.insert(
                    "terminated".into(),
                    Value::Bool(date <= chrono::Utc::now().date_naive()),
                );
                d.touch_employee(id);
                Ok(())
            }
            Provider::BambooHr => {
                let eid = id
                    .parse::<u32>()
                    .map_err(|_| SandboxError::Invalid(id.into()))?;
                let mut d = lock(&self.bamboo.data);
                let m = d
                    .employees
                    .get_mut(&eid)
                    .ok_or_else(|| SandboxError::NotFound(format!("bamboohr employee {id}")))?;
                m.insert("status".into(), Value::String("Inactive".into()));
                m.insert(
                    "employmentHistoryStatus".into(),
                    Value::String("Terminated".into()),
                );
                m.insert("terminationDate".into(), Value::String(date.to_string()));
                d.add_row(
                    "employmentStatus",
                    eid,
                    serde_json::json!({"date": date.to_string(), "employmentStatus": "Terminated", "terminationReasonId": null, "terminationTypeId": null, "terminationRehireId": null, "terminationRegrettableId": null, "comment": null}),
                    chrono::Utc::now(),
                );
                d.log_change(eid, bamboohr::data::Action::Updated);
                Ok(())
            }
            Provider::Harvest => self.set_employee_field(p, id, "is_active", Value::Bool(false)),
        }
    }

    /// Deletes an employee record (BambooHR reports it as `Deleted` in `/employees/changed`).
    pub fn delete_employee(&self, p: Provider, id: &str) -> Result<(), SandboxError> {
        match p {
            Provider::Toggl
            | Provider::Clockify
            | Provider::Rippling
            | Provider::Checkr
            | Provider::GoodHire
            | Provider::Zenefits
            | Provider::Justworks
            | Provider::Paychex
            | Provider::TriNet
            | Provider::Adp
            | Provider::QuickBooks => Err(SandboxError::Unsupported(format!(
                "the {} emulator does not change its people yet",
                p.name()
            ))),
            Provider::Gusto => {
                let mut d = lock(&self.gusto.data);
                let before = d.employees.len();
                d.employees.retain(|e| e["uuid"].as_str() != Some(id));
                if d.employees.len() == before {
                    return Err(SandboxError::NotFound(format!("gusto employee {id}")));
                }
                Ok(())
            }
            Provider::BambooHr => {
                let eid = id
                    .parse::<u32>()
                    .map_err(|_| SandboxError::Invalid(id.into()))?;
                let mut d = lock(&self.bamboo.data);
                d.employees
                    .remove(&eid)
                    .ok_or_else(|| SandboxError::NotFound(format!("bamboohr employee {id}")))?;
                d.log_change(eid, bamboohr::data::Action::Deleted);
                Ok(())
            }
            Provider::Harvest => {
                let uid = id
                    .parse::<u64>()
                    .map_err(|_| SandboxError::Invalid(id.into()))?;
                let mut d = lock(&self.harvest.data);
                let before = d.users.len();
                d.users.retain(|u| u["id"].as_u64() != Some(uid));
                if d.users.len() == before {
                    return Err(SandboxError::NotFound(format!("harvest user {id}")));
                }
                Ok(())
            }
        }
    }

    /// Adds `count` Harvest time entries for `user_id` on `spent_date` (first project/task the
    /// user's department uses); returns their ids. `updated_at` = now.
    pub fn add_time_entries(
        &self,
        user_id: u64,
        spent_date: NaiveDate,
        hours: Decimal,
        count: usize,
    ) -> Result<Vec<u64>, SandboxError> {
        let centi = (hours * Decimal::from(100))
            .round()
            .to_string()
            .parse::<u32>()
            .map_err(|_| SandboxError::Invalid(format!("hours {hours}")))?;
        let mut d = lock(&self.harvest.data);
        if !d.users.iter().any(|u| u["id"].as_u64() == Some(user_id)) {
            return Err(SandboxError::NotFound(format!("harvest user {user_id}")));
        }
        let now = chrono::Utc::now().timestamp();
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            let id = d.next_entry_id;
            d.next_entry_id += 1;
            d.insert(harvest::data::Entry {
                id,
                user_id,
                project: 0,
                task: 0,
                spent_date,
                centi_hours: centi,
                notes: None,
                is_running: false,
                created_at: now,
                updated_at: now,
            });
            ids.push(id);
        }
        Ok(ids)
    }

    /// Changes a Harvest time entry's hours (bumps `updated_at`).
    pub fn set_time_entry_hours(&self, id: u64, hours: Decimal) -> Result<(), SandboxError> {
        self.set_time_entries_hours(&[id], hours)
    }

    /// Changes the hours of several Harvest time entries at once, as a mass edit at the provider
    /// would (bumps their `updated_at`). Fails, changing nothing, if one of them is unknown.
    pub fn set_time_entries_hours(&self, ids: &[u64], hours: Decimal) -> Result<(), SandboxError> {
        let centi = (hours * Decimal::from(100))
            .round()
            .to_string()
            .parse::<u32>()
            .map_err(|_| SandboxError::Invalid(format!("hours {hours}")))?;
        let wanted: std::collections::HashSet<u64> = ids.iter().copied().collect();
        let mut d = lock(&self.harvest.data);
        let known: std::collections::HashSet<u64> = d
            .entries
            .iter()
            .map(|e| e.id)
            .filter(|id| wanted.contains(id))
            .collect();
        if let Some(missing) = ids.iter().find(|id| !known.contains(id)) {
            return Err(SandboxError::NotFound(format!("time entry {missing}")));
        }
        let now = chrono::Utc::now().timestamp();
        for e in d.entries.iter_mut().filter(|e| wanted.contains(&e.id)) {
            e.centi_hours = centi;
            e.updated_at = now;
        }
        Ok(())
    }

    // ---- webhooks ----

    /// POSTs a provider-shaped, signed webhook event to `target_url` (Gusto and BambooHR; Harvest
    /// has none). Keys: `credentials().gusto.webhook_verification_token` /
    /// `credentials().bamboohr.webhook_private_key`.
    pub async fn send_webhook(
        &self,
        p: Provider,
        target_url: &str,
        event: WebhookEvent,
    ) -> Result<WebhookDelivery, SandboxError> {
        let s = &self.company.secrets;
        match p {
            Provider::Gusto => {
                let body = webhooks::gusto_payload(&self.company.gusto_uuid, &event);
                let sig = hmac_hex(s.gusto_verification_token.as_bytes(), &[&body]);
                Ok(webhooks::post(
                    target_url,
                    body,
                    vec![("x-gusto-signature", sig.clone())],
                    sig,
                    None,
                )
                .await?)
            }
            Provider::BambooHr => {
                let fields = {
                    let d = lock(&self.bamboo.data);
                    let mut out = Map::new();
                    if let Some(m) = event
                        .entity_id
                        .parse::<u32>()
                        .ok()
                        .and_then(|id| d.employees.get(&id))
                    {
                        for f in &event.changed_fields {
                            out.insert(f.clone(), m.get(f).cloned().unwrap_or(Value::Null));
                        }
                    }
                    out
                };
                let company_id = bamboohr::company_id(&self.company);
                let body = webhooks::bamboohr_payload(&event, &company_id, fields);
                let ts = chrono::Utc::now().timestamp().to_string();
                let sig = hmac_hex(
                    s.bamboo_webhook_private_key.as_bytes(),
                    &[&body, ts.as_bytes()],
                );
                Ok(webhooks::post(
                    target_url,
                    body,
                    vec![
                        ("x-bamboohr-timestamp", ts.clone()),
                        ("x-bamboohr-signature", sig.clone()),
                    ],
                    sig,
                    Some(ts),
                )
                .await?)
            }
            Provider::Harvest => Err(SandboxError::Unsupported("Harvest has no webhooks".into())),
            Provider::Toggl
            | Provider::Clockify
            | Provider::Rippling
            | Provider::Checkr
            | Provider::GoodHire
            | Provider::Zenefits
            | Provider::Justworks
            | Provider::Paychex
            | Provider::TriNet
            | Provider::Adp
            | Provider::QuickBooks => Err(SandboxError::Unsupported(format!(
                "the {} emulator sends no webhooks yet",
                p.name()
            ))),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for s in &mut self.servers {
            if let Some(tx) = s.shutdown.take() {
                let _ = tx.send(());
            }
            s.task.abort();
        }
    }
}
