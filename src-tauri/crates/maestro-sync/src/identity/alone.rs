//! Planning a company's people a page at a time. Most records share no key with a record of
//! another connection and no identity with another record: nothing can join them, so their
//! link follows from the record alone ([`plan_alone`]) and they need not be held while the
//! rest is planned. [`SharedKeys`] finds, in one pass over compact hashes, the keys held by
//! more than one connection; the records holding one, with those sharing an identity, are the
//! only ones [`super::plan`] must see together, and it plans them exactly as it would among
//! everyone (the two sets never meet: no evidence and no identity joins them).

use std::hash::{BuildHasher, RandomState};

use super::{
    Assignment, Candidate, Confidence, LinkStatus, Method, PersonKeys, Target, match_keys,
};

/// The match keys held by records of more than one connection, as hashes (a collision only
/// sends a record to the joint plan, which plans it exactly).
#[derive(Debug)]
pub struct SharedKeys {
    hasher: RandomState,
    /// Each key's hash with the connection (by index) holding it, while they are added.
    held: Vec<(u64, u32)>,
    /// The hashes held by two connections or more, sorted.
    shared: Vec<u64>,
}

impl Default for SharedKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl SharedKeys {
    /// No keys yet; the hashes are keyed afresh for every run (nothing of them is kept).
    pub fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            held: Vec::new(),
            shared: Vec::new(),
        }
    }

    /// Adds the keys of one record of connection number `connection`.
    pub fn add(&mut self, connection: u32, keys: &PersonKeys) {
        for key in match_keys(keys) {
            self.held.push((self.hasher.hash_one(key), connection));
        }
    }

    /// Ends adding: keeps only the hashes two connections or more hold.
    pub fn finish(&mut self) {
        let mut held = std::mem::take(&mut self.held);
        held.sort_unstable();
        held.dedup();
        self.shared = held
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| w[0].0)
            .collect();
        self.shared.dedup();
    }

    /// Whether any of `keys` is held by more than one connection.
    pub fn any(&self, keys: &PersonKeys) -> bool {
        match_keys(keys).any(|k| self.shared.binary_search(&self.hasher.hash_one(k)).is_ok())
    }

    /// How many shared hashes are kept.
    pub fn len(&self) -> usize {
        self.shared.len()
    }

    /// Whether no key is shared.
    pub fn is_empty(&self) -> bool {
        self.shared.is_empty()
    }
}

/// The assignment [`super::plan`] gives `candidate` when nothing can join it (no key shared
/// with another connection's record, no identity shared with another record): its own
/// identity, or a new one ([`Target::New`]`(0)`), as its sole record. `None` when the owner
/// decided its link (confirmed or split), which the plan leaves as it is.
pub fn plan_alone<I: Clone>(candidate: &Candidate<I>) -> Option<Assignment<I>> {
    let target = match &candidate.current {
        Some(link) if link.status.is_owner_decision() => return None,
        Some(link) => Target::Existing(link.identity.clone()),
        None => Target::New(0),
    };
    Some(Assignment {
        record_id: candidate.record_id,
        target,
        method: Method::SoleRecord,
        confidence: Confidence::CERTAIN,
        status: LinkStatus::Auto,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_core::ids::{ConnectionId, RecordId};

    use super::super::{CurrentLink, Role, plan};
    use super::*;

    fn person(conn: ConnectionId, email: &str, name: &str) -> Candidate<u32> {
        Candidate {
            record_id: RecordId::new(),
            connection_id: conn,
            role: Role::Hris,
            keys: PersonKeys {
                work_email: Some(email.to_owned()),
                names: vec![name.to_owned()],
                ..PersonKeys::default()
            },
            current: None,
        }
    }

    #[test]
    fn alone_plans_what_the_plan_gives_a_lone_record_for_every_link_state() {
        let conn = ConnectionId::new();
        let mut states = vec![None];
        for status in LinkStatus::ALL {
            states.push(Some(CurrentLink {
                identity: 7,
                status: *status,
            }));
        }
        for current in states {
            let c = Candidate {
                current: current.clone(),
                ..person(conn, "a@x.com", "ann lee")
            };
            assert_eq!(
                plan_alone(&c),
                plan(std::slice::from_ref(&c)).into_iter().next(),
                "{current:?}"
            );
        }
    }

    #[test]
    fn only_keys_of_two_connections_are_shared() {
        let (a, b) = (ConnectionId::new(), ConnectionId::new());
        let ann_a = person(a, "ann@x.com", "ann lee");
        let ann_a2 = person(a, "ann@x.com", "ann lee");
        let bob_a = person(a, "bob@x.com", "bob roe");
        let bob_b = person(b, "other@y.com", "bob roe");
        let cid = person(b, "cid@y.com", "cid poe");
        let mut shared = SharedKeys::new();
        for (i, c) in [
            (0, &ann_a),
            (0, &ann_a2),
            (0, &bob_a),
            (1, &bob_b),
            (1, &cid),
        ] {
            shared.add(i, &c.keys);
        }
        shared.finish();
        // Ann's keys are held twice, by one connection: nothing to join across.
        assert!(!shared.any(&ann_a.keys));
        // Bob's name is held by both connections, through different emails.
        assert!(shared.any(&bob_a.keys));
        assert!(shared.any(&bob_b.keys));
        assert!(!shared.any(&cid.keys));
        assert_eq!(shared.len(), 1);
    }
}
