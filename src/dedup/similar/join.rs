//! Which clusters a posting joins ([`plan_join`], the store's decision) and the same decision
//! applied from scratch to a list of postings ([`components`]).

use super::features::Features;
use super::rules::{compare, conflict, conflict_reason, same_job, Refusal};
use super::title::titles_differ;
use crate::dedup::trace;

/// Groups postings into clusters from scratch, the way the store grows them: in order, each
/// posting joins the groups holding a posting it matches, as [`plan_join`] allows (and the
/// postings it shows to be ambiguous leave their group). Returns, for each posting, the index
/// of the first posting of its group.
pub fn components(features: &[&Features]) -> Vec<usize> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let mut matches: Vec<(f64, Vec<&Features>)> = Vec::new();
        let mut which: Vec<usize> = Vec::new();
        for (g, members) in groups.iter().enumerate() {
            let best = members
                .iter()
                .filter_map(|&m| same_job(f, features[m]))
                .fold(None, |acc: Option<f64>, s| {
                    Some(acc.map_or(s, |a| a.max(s)))
                });
            if let Some(best) = best {
                matches.push((best, members.iter().map(|&m| features[m]).collect()));
                which.push(g);
            }
        }
        let plan = plan(f, &matches, false);
        // Ambiguous members leave their group first (each becomes its own).
        let mut detached = Vec::new();
        for &(c, k) in &plan.detach {
            if let Some(&m) = groups[which[c]].get(k) {
                detached.push((which[c], m));
            }
        }
        for (g, m) in detached {
            groups[g].retain(|&x| x != m);
            groups.push(vec![m]);
        }
        let chosen: Vec<usize> = plan.join.into_iter().map(|c| which[c]).collect();
        match chosen.iter().min() {
            None => groups.push(vec![i]),
            Some(&target) => {
                for &g in &chosen {
                    if g != target {
                        let moved = std::mem::take(&mut groups[g]);
                        groups[target].extend(moved);
                    }
                }
                groups[target].push(i);
            }
        }
    }
    let mut labels = vec![0; features.len()];
    for g in &groups {
        let first = g.iter().copied().min().unwrap_or(0);
        for &m in g {
            labels[m] = first;
        }
    }
    labels
}

/// What a posting does to the clusters it matches (see [`plan_join`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinPlan {
    /// Indexes (into `matches`) of the clusters merged with the posting.
    pub join: Vec<usize>,
    /// Members (cluster index into `matches`, member index) that the posting shows to be
    /// ambiguous: each leaves its cluster and stands alone.
    pub detach: Vec<(usize, usize)>,
}

/// Which existing clusters a posting joins. `matches` holds, for each cluster with at least
/// one posting that [`same_job`] accepts, its best score and all its members' features.
///
/// Clusters are taken best score first, and each is joined only if the posting is the same
/// job as at least half of its members (so that one ambiguous link does not chain two jobs)
/// and none of its members [`conflict`]s with the posting or with the members of the clusters
/// already joined: a cluster never holds two postings known to be different jobs.
///
/// A posting that is also the same job as a cluster known to be another job (one of its
/// members conflicts with a cluster joined) could be either: a shortened ad that lacks the one
/// detail telling two jobs of an employer apart. It joins nothing: its text says no more of
/// one job than of the other (scores do not help: two shortened ads of different jobs match
/// each other better than either matches its own full ad). In the same way, when the posting
/// conflicts with some members of a cluster but is the same job as others, those others are
/// the same job as two different jobs (the posting's and their cluster's): they leave their
/// cluster and stand alone ([`JoinPlan::detach`]).
pub fn plan_join(posting: &Features, matches: &[(f64, Vec<&Features>)]) -> JoinPlan {
    plan(posting, matches, trace::on())
}

/// [`plan_join`], recording its decision for [`trace`] when `traced`.
fn plan(posting: &Features, matches: &[(f64, Vec<&Features>)], traced: bool) -> JoinPlan {
    let mut order: Vec<usize> = (0..matches.len()).collect();
    order.sort_by(|&a, &b| matches[b].0.total_cmp(&matches[a].0).then(a.cmp(&b)));
    let mut joined: Vec<&Features> = vec![posting];
    let mut joined_evidence: Option<Evidence> = None;
    let mut plan = JoinPlan::default();
    let mut ambiguous = false;
    let mut outcomes: Vec<(usize, trace::Outcome)> = Vec::new();
    for i in order {
        let members = &matches[i].1;
        let agreeing: Vec<&&Features> = members
            .iter()
            .filter(|m| same_job(posting, m).is_some())
            .collect();
        let evidence = Evidence::of(posting, &agreeing);
        let direct = members.iter().any(|m| conflict(posting, m));
        let clash = members
            .iter()
            .any(|m| joined.iter().any(|j| conflict(m, j)));
        // A member the posting conflicts with only by what a text does not say (an employer
        // or a place not named), while most members are the same job: no proof of two jobs.
        let soft = direct
            && !clash_beyond(posting, members, &joined)
            && !members
                .iter()
                .any(|m| conflict_reason(posting, m).is_some_and(Refusal::is_stated));
        let outcome = if agreeing.len() * 2 > members.len() && soft {
            joined.extend(members.iter().copied());
            plan.join.push(i);
            joined_evidence = Some(joined_evidence.map_or(evidence, |e| e.best(evidence)));
            trace::Outcome::Joined
        } else if agreeing.len() * 2 >= members.len() && !clash {
            joined.extend(members.iter().copied());
            plan.join.push(i);
            joined_evidence = Some(joined_evidence.map_or(evidence, |e| e.best(evidence)));
            trace::Outcome::Joined
        } else if !direct && clash {
            // The same job as this cluster too, which is another job than one joined: the
            // posting could be either, unless a figure it states tells them apart.
            let decided = joined_evidence.is_some_and(|e| e.decides_against(evidence));
            if !decided {
                ambiguous = true;
            }
            let reason = traced
                .then(|| {
                    members
                        .iter()
                        .find_map(|m| joined.iter().find_map(|j| conflict_reason(m, j)))
                })
                .flatten()
                .unwrap_or(Refusal::WeakEvidence);
            trace::Outcome::Clash { reason, decided }
        } else if direct {
            let against: Vec<&&Features> =
                members.iter().filter(|m| conflict(posting, m)).collect();
            // Only a stated difference shows two jobs; a text that does not name an employer or
            // a place is no proof that the posting is another job than the cluster's.
            let stated = against
                .iter()
                .any(|c| conflict_reason(posting, c).is_some_and(Refusal::is_stated));
            for (k, m) in members.iter().enumerate() {
                if !stated || same_job(posting, m).is_none() {
                    continue;
                }
                // Unless its figures are those of the members the posting conflicts with,
                // and not the posting's: then it is theirs, not ambiguous.
                let mates: Vec<&&Features> = against
                    .iter()
                    .copied()
                    .filter(|c| same_job(m, c).is_some())
                    .collect();
                let theirs = Evidence::of(m, &mates);
                if !theirs.decides_against(Evidence::of(m, &[&posting])) {
                    plan.detach.push((i, k));
                }
            }
            let reason = traced
                .then(|| members.iter().find_map(|m| conflict_reason(posting, m)))
                .flatten()
                .unwrap_or(Refusal::WeakEvidence);
            trace::Outcome::Direct(reason)
        } else {
            trace::Outcome::Half
        };
        if traced {
            outcomes.push((i, outcome));
        }
    }
    if ambiguous {
        plan.join.clear();
    }
    if traced {
        trace::record(trace::Plan {
            posting: trace::fingerprint(posting),
            clusters: outcomes
                .into_iter()
                .map(|(i, o)| {
                    (
                        matches[i].1.iter().map(|m| trace::fingerprint(m)).collect(),
                        o,
                    )
                })
                .collect(),
            ambiguous,
        });
    }
    plan
}

/// A member conflicts with a posting of `joined` other than `posting` itself.
fn clash_beyond(posting: &Features, members: &[&Features], joined: &[&Features]) -> bool {
    members.iter().any(|m| {
        joined
            .iter()
            .any(|j| !std::ptr::eq(*j, posting) && conflict(m, j))
    })
}

/// What is specific to the ad in a posting's agreement with a cluster: whether every figure
/// it shares a comparison with is stated alike (a shop's street number and postcode, a
/// reference, a date), and how much of its text the cluster's best member contains.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Evidence {
    /// Some members state figures, and one of them states exactly the posting's (or the
    /// posting states exactly its).
    facts_agree: bool,
    /// Some member's figures differ from the posting's.
    facts_differ: bool,
    containment: f64,
    /// Some member has the posting's title (not another one, accepted on its figures).
    same_title: bool,
}

impl Evidence {
    fn of(posting: &Features, members: &[&&Features]) -> Evidence {
        let mut e = Evidence {
            facts_agree: false,
            facts_differ: false,
            containment: 0.0,
            same_title: false,
        };
        for m in members {
            e.same_title |= !titles_differ(posting, m);
            let c = compare(posting, m);
            if c.min_facts > 0 {
                if c.facts_contained >= 1.0 {
                    e.facts_agree = true;
                } else {
                    e.facts_differ = true;
                }
            }
            e.containment = e.containment.max(c.shingle_containment);
        }
        e
    }

    fn best(self, other: Evidence) -> Evidence {
        Evidence {
            facts_agree: self.facts_agree || other.facts_agree,
            facts_differ: self.facts_differ && other.facts_differ,
            containment: self.containment.max(other.containment),
            same_title: self.same_title || other.same_title,
        }
    }

    /// Whether these figures tell the posting's job from the other cluster's: the posting
    /// states them as this one does and otherwise than all of the other's members, and its
    /// text agrees at least as much with this one.
    fn decides_against(self, other: Evidence) -> bool {
        (self.facts_agree
            && other.facts_differ
            && !other.facts_agree
            && self.containment >= other.containment)
            || (self.same_title && !other.same_title)
    }
}
