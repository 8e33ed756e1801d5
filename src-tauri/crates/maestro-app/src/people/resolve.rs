//! [`App::resolve_identities`] a page of people at a time. Records nothing can join (no key
//! shared with another connection's record, no identity shared with another record: all of
//! them when the company has one connection) are linked page by page as their own person
//! ([`matcher::plan_alone`]); only the others are held and planned together
//! ([`matcher::plan`]). Both give exactly the links one plan over everyone gives.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use maestro_core::ids::{CompanyId, ConnectionId, RecordId};
use maestro_core::model::{Candidate as CheckCandidate, CanonicalEntity, Contractor, Employee};
use maestro_store::audit::{self, AuditEvent};
use maestro_store::identities::{self, IdentityId, Link, LinkWrite, PERSON};
use maestro_store::people_scan::{self, PageLink};
use maestro_store::records::StoredAt;
use maestro_store::sqlx::SqliteConnection;
use maestro_sync::identity::{
    self as matcher, Assignment, Candidate, CurrentLink, LinkStatus, PersonKeys, Role, SharedKeys,
    Target,
};
use serde_json::json;

use super::{ConnInfo, ResolveSummary, connection_info, parse_link, skip_undecodable};
use crate::App;
use crate::error::Result;

/// Person records read (and linked) at a time.
const PAGE: u32 = 1_000;

/// A person kind the matcher compares: what its records say about who the person is.
trait PersonKind: CanonicalEntity {
    fn keys(&self) -> PersonKeys;
}

impl PersonKind for Employee {
    fn keys(&self) -> PersonKeys {
        PersonKeys {
            work_email: self
                .work_email
                .as_deref()
                .and_then(matcher::normalize_email),
            other_emails: self
                .personal_email
                .as_deref()
                .and_then(matcher::normalize_email)
                .into_iter()
                .collect(),
            employee_number: self
                .employee_number
                .as_deref()
                .and_then(matcher::normalize_employee_number),
            names: matcher::name_keys(
                self.first_name.as_deref(),
                self.last_name.as_deref(),
                self.preferred_name.as_deref(),
                self.display_full_name.as_deref(),
            ),
            birth_date: self.date_of_birth.as_ref().map(|d| *d.expose()),
        }
    }
}

impl PersonKind for Contractor {
    fn keys(&self) -> PersonKeys {
        PersonKeys {
            work_email: self.email.as_deref().and_then(matcher::normalize_email),
            other_emails: Vec::new(),
            employee_number: None,
            names: matcher::name_keys(
                self.first_name.as_deref(),
                self.last_name.as_deref(),
                None,
                self.business_name.as_deref(),
            ),
            birth_date: None,
        }
    }
}

/// A candidate's email may be personal or work: it is compared with both.
impl PersonKind for CheckCandidate {
    fn keys(&self) -> PersonKeys {
        PersonKeys {
            work_email: None,
            other_emails: self
                .email
                .as_deref()
                .and_then(matcher::normalize_email)
                .into_iter()
                .collect(),
            employee_number: None,
            names: matcher::name_keys(
                self.first_name.as_deref(),
                self.last_name.as_deref(),
                None,
                None,
            ),
            birth_date: None,
        }
    }
}

/// One page of a kind's people after `after`, each with where it is stored and its keys
/// (undecodable records are skipped, as the roster skips them), and whether it is the last.
async fn keys_page<E: PersonKind>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    after: Option<RecordId>,
) -> Result<(Vec<(StoredAt, PersonKeys)>, bool)> {
    let page = people_scan::current_page::<E>(conn, company_id, after, PAGE).await?;
    let last = page.len() < PAGE as usize;
    let keyed = page
        .into_iter()
        .filter_map(|(at, e)| skip_undecodable(at.record_id, e).map(|e| (at, e.keys())))
        .collect();
    Ok((keyed, last))
}

/// The first pass, with several connections: the keys of every `E` record.
async fn collect_keys<E: PersonKind>(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    index: &BTreeMap<ConnectionId, u32>,
    shared: &mut SharedKeys,
) -> Result<()> {
    let mut after = None;
    loop {
        let (page, last) = keys_page::<E>(conn, company_id, after).await?;
        for (at, keys) in &page {
            // A connection missing from the list counts as one of its own.
            let n = index.get(&at.connection_id).copied().unwrap_or(u32::MAX);
            shared.add(n, keys);
        }
        after = page.last().map(|(at, _)| at.record_id).or(after);
        if last {
            return Ok(());
        }
    }
}

/// The second pass: links what stands alone, page by page, and keeps the rest for the joint
/// plan.
struct Linking<'a> {
    company_id: CompanyId,
    conns: &'a BTreeMap<ConnectionId, ConnInfo>,
    shared: Option<&'a SharedKeys>,
    now: DateTime<Utc>,
    summary: ResolveSummary,
    /// Records planned together, with their links now.
    joint: Vec<Candidate<IdentityId>>,
    joint_links: HashMap<RecordId, Link>,
}

impl Linking<'_> {
    /// Every `E` record, a page at a time.
    async fn kind<E: PersonKind>(&mut self, conn: &mut SqliteConnection) -> Result<()> {
        let mut after = None;
        loop {
            let (page, last) = keys_page::<E>(conn, self.company_id, after).await?;
            after = page.last().map(|(at, _)| at.record_id).or(after);
            self.page(conn, page).await?;
            if last {
                return Ok(());
            }
        }
    }

    async fn page(
        &mut self,
        conn: &mut SqliteConnection,
        page: Vec<(StoredAt, PersonKeys)>,
    ) -> Result<()> {
        self.summary.records += page.len();
        let ids: Vec<RecordId> = page.iter().map(|(at, _)| at.record_id).collect();
        let mut links: HashMap<RecordId, PageLink> =
            people_scan::links_of_records(conn, self.company_id, PERSON, &ids)
                .await?
                .into_iter()
                .map(|l| (l.link.record_id, l))
                .collect();
        let mut alone = Vec::new();
        for (at, keys) in page {
            let link = links.remove(&at.record_id);
            let current = match &link {
                Some(l) => Some(CurrentLink {
                    identity: l.link.identity_id,
                    status: parse_link(&l.link)?.2,
                }),
                None => None,
            };
            let joint = link.as_ref().is_some_and(|l| l.shared)
                || self.shared.is_some_and(|s| s.any(&keys));
            let candidate = Candidate {
                record_id: at.record_id,
                connection_id: at.connection_id,
                role: self
                    .conns
                    .get(&at.connection_id)
                    .map_or(Role::Other, |c| c.role),
                keys,
                current,
            };
            if joint {
                if let Some(l) = link {
                    self.joint_links.insert(at.record_id, l.link);
                }
                self.joint.push(candidate);
            } else if let Some(mut a) = matcher::plan_alone(&candidate) {
                // Each record alone that needs a person gets one of its own.
                if let Target::New(_) = a.target {
                    a.target = Target::New(alone.len());
                }
                alone.push((a, link.map(|l| l.link)));
            }
        }
        let plan: Vec<(&Assignment<IdentityId>, Option<&Link>)> =
            alone.iter().map(|(a, l)| (a, l.as_ref())).collect();
        apply(conn, self.company_id, &plan, &mut self.summary, self.now).await
    }
}

/// Stores the links of `plan` that changed (each assignment with the record's link now),
/// creating the new identities it names (the same [`Target::New`] number is one identity
/// within one call), and counts them in `summary`.
async fn apply(
    conn: &mut SqliteConnection,
    company_id: CompanyId,
    plan: &[(&Assignment<IdentityId>, Option<&Link>)],
    summary: &mut ResolveSummary,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut changed = Vec::new();
    for &(a, link) in plan {
        if a.status == LinkStatus::Suggested {
            summary.suggested += 1;
        }
        let confidence = a.confidence.to_string();
        let unchanged = link.is_some_and(|l| {
            Target::Existing(l.identity_id) == a.target
                && l.method == a.method.as_str()
                && l.confidence == confidence
                && l.status == a.status.as_str()
        });
        if !unchanged {
            changed.push((a, confidence));
        }
    }
    let mut news: Vec<usize> = changed
        .iter()
        .filter_map(|(a, _)| match a.target {
            Target::New(n) => Some(n),
            Target::Existing(_) => None,
        })
        .collect();
    news.sort_unstable();
    news.dedup();
    let created = people_scan::create_identities(conn, company_id, PERSON, news.len(), now).await?;
    let fresh: HashMap<usize, IdentityId> = news.into_iter().zip(created).collect();
    summary.created += fresh.len();
    let mut writes = Vec::with_capacity(changed.len());
    for (a, confidence) in &changed {
        let identity_id = match &a.target {
            Target::Existing(id) => *id,
            Target::New(n) => match fresh.get(n) {
                Some(id) => *id,
                None => continue,
            },
        };
        writes.push(LinkWrite {
            identity_id,
            record_id: a.record_id,
            method: a.method.as_str(),
            confidence,
            status: a.status.as_str(),
        });
    }
    people_scan::set_links(conn, company_id, &writes, now).await?;
    summary.changed += writes.len();
    Ok(())
}

impl App {
    /// Links every employee, contractor and background-check candidate record of the company
    /// to a person. Run after syncs; idempotent (a second run changes nothing), and never
    /// undoes what the owner confirmed or split. Changes are audited. Reads a page of people at
    /// a time and holds only those another connection's records may join (see the module).
    pub async fn resolve_identities(&self, company_id: CompanyId) -> Result<ResolveSummary> {
        let now = self.now();
        let mut tx = self.store.write().await?;
        let conns = connection_info(tx.conn(), company_id).await?;
        // With one connection no record can join another: no keys to collect.
        let shared = if conns.len() > 1 {
            let index: BTreeMap<ConnectionId, u32> =
                conns.keys().zip(0u32..).map(|(c, i)| (*c, i)).collect();
            let mut shared = SharedKeys::new();
            collect_keys::<Employee>(tx.conn(), company_id, &index, &mut shared).await?;
            collect_keys::<Contractor>(tx.conn(), company_id, &index, &mut shared).await?;
            collect_keys::<CheckCandidate>(tx.conn(), company_id, &index, &mut shared).await?;
            shared.finish();
            Some(shared)
        } else {
            None
        };
        let mut linking = Linking {
            company_id,
            conns: &conns,
            shared: shared.as_ref(),
            now,
            summary: ResolveSummary::default(),
            joint: Vec::new(),
            joint_links: HashMap::new(),
        };
        linking.kind::<Employee>(tx.conn()).await?;
        linking.kind::<Contractor>(tx.conn()).await?;
        linking.kind::<CheckCandidate>(tx.conn()).await?;
        let Linking {
            mut summary,
            joint,
            joint_links,
            ..
        } = linking;
        let plan = matcher::plan(&joint);
        let plan: Vec<(&Assignment<IdentityId>, Option<&Link>)> = plan
            .iter()
            .map(|a| (a, joint_links.get(&a.record_id)))
            .collect();
        apply(tx.conn(), company_id, &plan, &mut summary, now).await?;
        summary.removed = identities::delete_unlinked(tx.conn(), company_id).await?;
        if summary.changed > 0 || summary.removed > 0 {
            audit::append(
                tx.conn(),
                &AuditEvent::new(&self.actor, "identities.resolve", "people")
                    .company(company_id)
                    .records(i64::try_from(summary.changed).unwrap_or(i64::MAX))
                    .detail(json!({
                        "created": summary.created,
                        "removed": summary.removed,
                        "suggested": summary.suggested,
                    })),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(summary)
    }
}
