//! Strategic merge patch.
//!
//! CONTRACT (to be implemented): `strategic_merge(kind_path_root, original, patch)` where
//! `kind` identifies the top-level type (group + kind) so list merge keys can be looked up by
//! path; supports `$patch: replace|delete|merge`, `$setElementOrder/<f>`,
//! `$deleteFromPrimitiveList/<f>`, `$retainKeys`, `null` deletion. Errors -> Err(message)
//! (the caller answers 400 for malformed patches).

use serde_json::Value;

pub fn strategic_merge(
    _group: &str,
    _kind: &str,
    _original: &Value,
    _patch: &Value,
) -> Result<Value, String> {
    unimplemented!()
}
