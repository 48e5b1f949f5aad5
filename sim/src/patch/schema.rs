//! What the patch strategies need to know about built-in types: for each list field, whether
//! it merges by key (and which), is a set, or is atomic; for maps, granular or atomic;
//! `$retainKeys` fields.
