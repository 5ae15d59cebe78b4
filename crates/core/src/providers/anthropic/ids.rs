//! Custom ids Anthropic accepts (`^[a-zA-Z0-9_-]{1,64}$`, reference §2.1), and safe replacements
//! for the ones it would refuse. The caller never sees a replacement: it is recorded in
//! `BatchSummary.id_map` and results are given back under the caller's id.

use std::collections::HashSet;

use crate::model::UnifiedRequest;
use crate::providers::IdMapping;

pub const MAX_ID_LENGTH: usize = 64;

/// Whether Anthropic accepts `id` as a `custom_id`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LENGTH).contains(&id.len())
        && id.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// The id each request is sent under: `None` where the caller's id is kept, otherwise a replacement
/// `br-<index>-<hash>`. Replacements are deterministic (the same batch gives the same ids), unique
/// among themselves (the index is unique) and never equal to an id the caller uses in the same batch
/// (a numeric suffix is added in that unlikely case).
pub fn assign_provider_ids(requests: &[UnifiedRequest]) -> (Vec<Option<String>>, Vec<IdMapping>) {
    assign_ids_where(requests, is_valid_id)
}

/// [`assign_provider_ids`] for another provider's rule: ids that `is_valid_id` refuses get a
/// replacement `br-<index>-<hash>` (Together AI: at most 64 characters).
pub fn assign_ids_where(
    requests: &[UnifiedRequest],
    is_valid_id: impl Fn(&str) -> bool,
) -> (Vec<Option<String>>, Vec<IdMapping>) {
    let mut replacements = vec![None; requests.len()];
    let mut mappings = Vec::new();
    if requests.iter().all(|request| is_valid_id(&request.custom_id)) {
        return (replacements, mappings);
    }
    let kept: HashSet<&str> =
        requests.iter().map(|request| request.custom_id.as_str()).filter(|id| is_valid_id(id)).collect();
    for (index, request) in requests.iter().enumerate() {
        if is_valid_id(&request.custom_id) {
            continue;
        }
        let base = format!("br-{index}-{:08x}", short_hash(&request.custom_id));
        let mut candidate = base.clone();
        let mut suffix = 0;
        while kept.contains(candidate.as_str()) {
            suffix += 1;
            candidate = format!("{base}-{suffix}");
        }
        mappings.push(IdMapping { custom_id: request.custom_id.clone(), provider_id: candidate.clone() });
        replacements[index] = Some(candidate);
    }
    (replacements, mappings)
}

/// 32 bits of FNV-1a: a stable fingerprint of the original id, so a replacement hints at what it
/// replaced. Uniqueness comes from the index, not from the hash.
fn short_hash(text: &str) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash ^ (hash >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_request;

    fn requests(ids: &[&str]) -> Vec<UnifiedRequest> {
        ids.iter()
            .enumerate()
            .map(|(index, id)| {
                let json =
                    serde_json::json!({"customId": id, "model": "m", "messages": [{"role": "user", "content": "x"}]});
                parse_request(index, &json.to_string()).unwrap()
            })
            .collect()
    }

    #[test]
    fn accepts_exactly_the_documented_pattern() {
        for id in ["a", "my-first-request", "A_b-9", &"x".repeat(64)] {
            assert!(is_valid_id(id), "{id}");
        }
        for id in ["", "has space", "dot.ted", "slash/ed", "é", &"x".repeat(65)] {
            assert!(!is_valid_id(id), "{id}");
        }
    }

    #[test]
    fn valid_ids_are_kept_and_nothing_is_mapped() {
        let (replacements, mappings) = assign_provider_ids(&requests(&["a", "b-2"]));
        assert_eq!(replacements, vec![None, None]);
        assert!(mappings.is_empty());
    }

    #[test]
    fn invalid_ids_get_deterministic_safe_replacements() {
        let batch = requests(&["ok", "user@example.com", "doc 7.pdf", &"y".repeat(80)]);
        let (replacements, mappings) = assign_provider_ids(&batch);
        assert_eq!(replacements[0], None);
        assert_eq!(mappings.len(), 3);
        for (mapping, index) in mappings.iter().zip(1..) {
            assert!(is_valid_id(&mapping.provider_id), "{}", mapping.provider_id);
            assert!(mapping.provider_id.starts_with(&format!("br-{index}-")), "{}", mapping.provider_id);
            assert_eq!(replacements[index].as_ref(), Some(&mapping.provider_id));
            assert_eq!(mapping.custom_id, batch[index].custom_id);
        }
        assert_eq!(assign_provider_ids(&batch).1, mappings, "the same batch maps the same way");
    }

    #[test]
    fn a_replacement_never_takes_an_id_the_caller_uses() {
        let invalid = "not valid!";
        let taken = format!("br-1-{:08x}", short_hash(invalid));
        let batch = requests(&[&taken, invalid, &format!("{taken}-1")]);
        let (_, mappings) = assign_provider_ids(&batch);
        assert_eq!(mappings[0].provider_id, format!("{taken}-2"));
    }
}
