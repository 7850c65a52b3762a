//! Linking certificates into a chain: the one place that decides which
//! certificate issued which.
//!
//! `inspect` orders a file's certificates with [`order`], Verify finds the
//! issuer line a time check is made on with [`linked`], and Diagnose builds
//! the path it lints and words trust with [`path_with_roles`]. All three
//! walk issuers with the same rule ([`issuer_of`]): a certificate's issuer
//! is a not-yet-used certificate whose subject is its issuer name,
//! preferring one whose key verifies its signature (a reissued intermediate
//! can share its name with the old one).
//!
//! Pure: reads [`CertFacts`] only, judges nothing.

use super::CertFacts;

/// Issuer candidates whose signature is checked per link: many
/// certificates with one name must not cost n² signature checks.
const MAX_SIGNATURE_CHECKS: usize = 8;

/// Where a certificate sits on a path; strict-profile rules depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The server's certificate.
    Leaf,
    /// A CA between the leaf and the anchor.
    Intermediate,
    /// The root the path ends at (from a trust store, or a sent self-signed CA).
    Anchor,
}

/// The issuer of `facts[i]` among the certificates not marked `used`.
pub fn issuer_of(facts: &[CertFacts], i: usize, used: &[bool]) -> Option<usize> {
    let cert = facts.get(i)?;
    if cert.self_signed {
        return None;
    }
    let namesakes: Vec<usize> = facts
        .iter()
        .enumerate()
        .filter(|&(j, issuer)| used.get(j) == Some(&false) && cert.names_issuer(issuer))
        .map(|(j, _)| j)
        .collect();
    if namesakes.len() <= 1 {
        return namesakes.first().copied();
    }
    namesakes
        .iter()
        .take(MAX_SIGNATURE_CHECKS)
        .copied()
        .find(|&j| facts.get(j).is_some_and(|issuer| cert.is_signed_by(issuer)))
        .or_else(|| namesakes.first().copied())
}

/// The issuer line from `start` through the given certificates: indices,
/// `start` first, no repeats.
fn walk(facts: &[CertFacts], start: usize, used: &mut [bool]) -> Vec<usize> {
    let mut line = Vec::new();
    let mut current = Some(start);
    while let Some(i) = current {
        match used.get_mut(i) {
            Some(flag) if !*flag => *flag = true,
            _ => break,
        }
        line.push(i);
        current = issuer_of(facts, i, used);
    }
    line
}

/// The issuer chain linked from the leaf (`chain[0]`) through the sent
/// certificates: indices into `chain`, leaf first, no repeats.
pub fn linked(chain: &[CertFacts]) -> Vec<usize> {
    if chain.is_empty() {
        return Vec::new();
    }
    let mut used = vec![false; chain.len()];
    walk(chain, 0, &mut used)
}

/// The order to judge a file's certificates in, as indices into `facts`:
/// the leaf (a certificate that issued none of the others, preferably not
/// a CA), then each issuer found among the rest, then whatever is
/// unrelated, in file order.
pub fn order(facts: &[CertFacts]) -> Vec<usize> {
    let issued_another = |i: usize, cert: &CertFacts| {
        facts
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && other.names_issuer(cert))
    };
    let candidates: Vec<usize> = facts
        .iter()
        .enumerate()
        .filter(|&(i, cert)| !issued_another(i, cert))
        .map(|(i, _)| i)
        .collect();
    let not_ca = |&i: &usize| facts.get(i).is_some_and(|c| !c.is_ca);
    let Some(leaf) = candidates
        .iter()
        .copied()
        .find(not_ca)
        .or_else(|| candidates.first().copied())
        .or_else(|| (!facts.is_empty()).then_some(0))
    else {
        return Vec::new();
    };
    let mut used = vec![false; facts.len()];
    let mut order = walk(facts, leaf, &mut used);
    order.extend(used.iter().enumerate().filter(|&(_, u)| !u).map(|(i, _)| i));
    order
}

/// The path with each certificate's role: `path` (leaf first: the
/// certificates a verifier used, or the linked issuer line when none
/// built a path), then `anchor`, the root a store holds for it, unless the
/// server sent that very root. A sent self-signed CA at the top of the
/// path is the anchor clients would use once it is installed.
///
/// One path feeds both the strict lint and the Python 3.13 note, so the
/// two cannot disagree.
pub fn path_with_roles<'a>(
    path: &[&'a CertFacts],
    anchor: Option<&'a CertFacts>,
) -> Vec<(&'a CertFacts, Role)> {
    let last = path.len().saturating_sub(1);
    let mut out: Vec<(&CertFacts, Role)> = path
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let role = match i {
                0 => Role::Leaf,
                i if i == last && c.self_signed && c.is_ca => Role::Anchor,
                _ => Role::Intermediate,
            };
            (*c, role)
        })
        .collect();
    if let Some(anchor) = anchor {
        let has_anchor = out.iter().any(|(_, r)| *r == Role::Anchor);
        match out.iter_mut().find(|(c, _)| c.sha256 == anchor.sha256) {
            // A path of one self-signed certificate: it is also the anchor.
            Some(entry) if entry.1 == Role::Leaf => {}
            Some(entry) => entry.1 = Role::Anchor,
            None if has_anchor => {}
            None => out.push((anchor, Role::Anchor)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(n: usize) -> Vec<CertFacts> {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .take(n)
            .map(|c| CertFacts::from_der(c))
            .collect()
    }

    #[test]
    fn a_self_signed_certificate_links_to_itself_only() {
        let facts = roots(2);
        assert_eq!(linked(&facts), vec![0]);
        assert_eq!(order(&facts), vec![0, 1]);
        assert!(linked(&[]).is_empty() && order(&[]).is_empty());
    }

    #[test]
    fn roles_mark_the_leaf_and_a_sent_root() {
        let facts = roots(2);
        let one = path_with_roles(&[&facts[0]], Some(&facts[0]));
        assert_eq!(one, vec![(&facts[0], Role::Leaf)]);
        let two = path_with_roles(&[&facts[0], &facts[1]], Some(&facts[1]));
        assert_eq!(two[1].1, Role::Anchor);
        assert_eq!(two.len(), 2);
    }
}
