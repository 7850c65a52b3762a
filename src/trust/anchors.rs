//! The roots of a store that can anchor a path, found by subject name.
//!
//! A path ends at an anchor whose subject is the issuer of a certificate on
//! it, byte for byte (webpki compares names so), and every certificate on
//! a path is one the server sent. So verifying needs only the anchors named
//! by the sent certificates' issuers: two or three, of a store's hundred
//! and fifty. Building every anchor as an owned value, and cloning them all
//! for each verification, was most of a store's cost; the index keeps each
//! usable root's subject, sorted, and builds anchors (borrowed from the
//! certificate, no copy) only for the names asked.
//!
//! Pure: no I/O.

use std::ops::Range;

use rustls_pki_types::{CertificateDer, TrustAnchor};

/// Usable roots by subject: which certificate, and where its subject lies in
/// one shared buffer.
#[derive(Debug, Clone, Default)]
pub struct AnchorIndex {
    /// Every indexed subject (its DER contents, as webpki keeps an
    /// anchor's subject), one after another.
    subjects: Vec<u8>,
    /// (the subject's place in `subjects`, the certificate's index in the
    /// store), sorted by subject.
    entries: Vec<(Range<usize>, usize)>,
}

impl AnchorIndex {
    /// Index `certs`, numbered from `first`: the ones webpki can read as an
    /// anchor are added, the others returned with webpki's reason.
    pub fn add<'c>(
        &mut self,
        first: usize,
        certs: impl IntoIterator<Item = &'c CertificateDer<'c>>,
    ) -> Vec<(usize, webpki::Error)> {
        let mut skipped = Vec::new();
        for (i, der) in certs.into_iter().enumerate() {
            match webpki::anchor_from_trusted_cert(der) {
                Ok(anchor) => {
                    let start = self.subjects.len();
                    self.subjects.extend_from_slice(anchor.subject.as_ref());
                    self.entries.push((start..self.subjects.len(), first + i));
                }
                Err(e) => skipped.push((first + i, e)),
            }
        }
        let subjects = &self.subjects;
        self.entries.sort_by(|(a, i), (b, j)| {
            (subjects.get(a.clone()), i).cmp(&(subjects.get(b.clone()), j))
        });
        skipped
    }

    /// How many roots can anchor a path.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The certificates (by index) whose subject is `subject` (DER
    /// contents, without the SEQUENCE header), in the order loaded.
    pub fn named<'a>(&'a self, subject: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let at = |e: &(Range<usize>, usize)| self.subjects.get(e.0.clone()).unwrap_or_default();
        let start = self.entries.partition_point(|e| at(e) < subject);
        self.entries
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |e| at(e) == subject)
            .map(|e| e.1)
    }

    /// Every indexed certificate.
    fn all(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries.iter().map(|e| e.1)
    }
}

/// The anchors of `certs` named by `subjects` (DER contents; `None`: every
/// anchor), each with its certificate's index, borrowed from the
/// certificates.
pub fn anchors_named<'a>(
    index: &AnchorIndex,
    certs: &'a [CertificateDer<'static>],
    subjects: Option<&[&[u8]]>,
) -> Vec<(usize, TrustAnchor<'a>)> {
    let mut found: Vec<usize> = match subjects {
        Some(subjects) => subjects.iter().flat_map(|s| index.named(s)).collect(),
        None => index.all().collect(),
    };
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .filter_map(|i| Some((i, webpki::anchor_from_trusted_cert(certs.get(i)?).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> Vec<CertificateDer<'static>> {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS[..20].to_vec()
    }

    fn subject_of(der: &CertificateDer<'_>) -> Vec<u8> {
        webpki::anchor_from_trusted_cert(der)
            .unwrap()
            .subject
            .as_ref()
            .to_vec()
    }

    #[test]
    fn every_root_is_found_by_its_subject_and_nothing_else_is() {
        let certs = roots();
        let mut index = AnchorIndex::default();
        assert!(index.add(0, &certs).is_empty());
        assert_eq!(index.len(), certs.len());
        for (i, der) in certs.iter().enumerate() {
            let named: Vec<usize> = index.named(&subject_of(der)).collect();
            assert!(named.contains(&i), "root {i} not found by its subject");
            for j in named {
                assert_eq!(subject_of(&certs[j]), subject_of(der));
            }
        }
        assert_eq!(index.named(b"no such name").count(), 0);
        assert_eq!(index.named(b"").count(), 0);
    }

    #[test]
    fn junk_is_skipped_with_its_reason_and_later_roots_keep_their_numbers() {
        let certs = roots();
        let mut index = AnchorIndex::default();
        index.add(0, &certs[..2]);
        let junk = CertificateDer::from(b"junk".to_vec());
        let more = [junk, certs[2].clone()];
        let skipped = index.add(2, &more);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].0, 2);
        assert_eq!(index.len(), 3);
        assert_eq!(index.named(&subject_of(&certs[2])).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn anchors_are_built_for_the_names_asked_only() {
        let certs = roots();
        let mut index = AnchorIndex::default();
        index.add(0, &certs);
        let (a, b) = (subject_of(&certs[4]), subject_of(&certs[9]));
        let found = anchors_named(&index, &certs, Some(&[&a, &b, &a]));
        assert_eq!(anchors_named(&index, &certs, None).len(), certs.len());
        let numbers: Vec<usize> = found.iter().map(|(i, _)| *i).collect();
        assert_eq!(numbers, [4, 9]);
        assert_eq!(found[0].1.subject.as_ref(), &a[..]);
    }
}
