//! `plugin.yaml` against krew-index's validation rules (krew v0.4.5,
//! `internal/index/validation/validate.go` and `cmd/validate-krew-manifest/main.go`; listed in
//! `shared/research/conventions_and_style.md`, A1). The rule numbers below are that list's.
//!
//! Rule 12 (krew-index's CI really installs every platform and requires an extracted license
//! file) needs published archives; what can be checked here is that every platform extracts a
//! LICENSE and that the file exists in the repository.

use std::collections::BTreeSet;

use serde_json::Value;

/// The `<os, arch>` pairs krew supports.
const SUPPORTED: &[(&str, &str)] = &[
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
];

/// The platforms this project promises (the issue: linux/darwin/windows on amd64/arm64).
const PROMISED: &[(&str, &str)] = &[
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
    ("windows", "arm64"),
];

const LICENSE_NAMES: &[&str] = &[
    "license",
    "license.txt",
    "license.md",
    "licenses",
    "licenses.txt",
    "licenses.md",
    "copying",
    "copying.txt",
];

/// The file name the manifest has in krew-index (`plugins/qaenv.yaml`).
const INDEX_FILE: &str = "qaenv.yaml";

/// Validates a manifest as krew-index would; returns every violation.
fn validate(file_name: &str, text: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let manifest: Value = match serde_saphyr::from_str(text) {
        Ok(value) => value,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let str_at =
        |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();

    // Rule 9: extension.
    let Some(stem) = file_name.strip_suffix(".yaml") else {
        return vec![format!("{file_name}: extension must be .yaml")];
    };
    // Rule 1.
    if str_at(&manifest, "apiVersion") != "krew.googlecontainertools.github.com/v1alpha2" {
        errors.push("apiVersion must be krew.googlecontainertools.github.com/v1alpha2".into());
    }
    if str_at(&manifest, "kind") != "Plugin" {
        errors.push("kind must be Plugin".into());
    }
    // Rules 2 and 3.
    let name = manifest
        .get("metadata")
        .map(|m| str_at(m, "name"))
        .unwrap_or_default();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        errors.push(format!("invalid plugin name {name:?}"));
    }
    let reserved = ["con", "prn", "aux", "nul"]
        .iter()
        .map(|s| s.to_string())
        .chain((1..=9).flat_map(|i| [format!("com{i}"), format!("lpt{i}")]))
        .any(|r| r == name.to_lowercase());
    if reserved {
        errors.push(format!("plugin name {name:?} is a reserved Windows name"));
    }
    if name != stem {
        errors.push(format!("plugin should be named {stem:?}, not {name:?}"));
    }
    let spec = manifest.get("spec").cloned().unwrap_or(Value::Null);
    // Rule 4.
    let short = str_at(&spec, "shortDescription");
    if short.is_empty() || short.contains(['\r', '\n']) {
        errors.push("shortDescription must be one non-empty line".into());
    }
    // Rule 5.
    let version = str_at(&spec, "version");
    if !is_krew_semver(&version) {
        errors.push(format!("version {version:?} must be v + strict semver"));
    }
    let platforms = spec
        .get("platforms")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if platforms.is_empty() {
        errors.push("platforms must not be empty".into());
    }
    let mut covered: Vec<(String, String)> = Vec::new();
    for (i, platform) in platforms.iter().enumerate() {
        // Rule 6.
        if str_at(platform, "uri").is_empty() {
            errors.push(format!("platform {i}: uri is empty"));
        }
        let sha = str_at(platform, "sha256");
        if sha.len() != 64
            || !sha
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        {
            errors.push(format!(
                "platform {i}: sha256 {sha:?} must match ^[a-f0-9]{{64}}$"
            ));
        }
        if str_at(platform, "bin").is_empty() {
            errors.push(format!("platform {i}: bin is empty"));
        }
        // Rule 7.
        if let Some(files) = platform.get("files") {
            match files.as_array() {
                Some(files) if !files.is_empty() => {
                    for file in files {
                        if str_at(file, "from").is_empty() || str_at(file, "to").is_empty() {
                            errors.push(format!("platform {i}: every file needs from and to"));
                        }
                    }
                }
                _ => errors.push(format!("platform {i}: files must be absent or non-empty")),
            }
        }
        // Rule 8.
        let selector = platform.get("selector").cloned().unwrap_or(Value::Null);
        match selector.as_object() {
            None => errors.push(format!("platform {i}: selector is missing")),
            Some(map) if map.is_empty() => errors.push(format!("platform {i}: selector is empty")),
            Some(map) => {
                if let Some(labels) = map.get("matchLabels") {
                    let labels = labels.as_object().cloned().unwrap_or_default();
                    if labels.is_empty() {
                        errors.push(format!("platform {i}: matchLabels is empty"));
                    }
                    for key in labels.keys() {
                        if key != "os" && key != "arch" {
                            errors
                                .push(format!("platform {i}: selector key {key:?} is not os/arch"));
                        }
                    }
                }
                if let Some(expressions) = map.get("matchExpressions") {
                    let expressions = expressions.as_array().cloned().unwrap_or_default();
                    if expressions.is_empty() {
                        errors.push(format!("platform {i}: matchExpressions is empty"));
                    }
                    for e in &expressions {
                        let key = str_at(e, "key");
                        if key != "os" && key != "arch" {
                            errors
                                .push(format!("platform {i}: selector key {key:?} is not os/arch"));
                        }
                    }
                }
            }
        }
        // Rules 10 and 11.
        let matched: Vec<(String, String)> = SUPPORTED
            .iter()
            .filter(|(os, arch)| selector_matches(&selector, os, arch))
            .map(|(os, arch)| (os.to_string(), arch.to_string()))
            .collect();
        if matched.is_empty() {
            errors.push(format!(
                "platform {i}: selector matches no supported os/arch"
            ));
        }
        for pair in matched {
            if covered.contains(&pair) {
                errors.push(format!(
                    "overlapping selectors: {}/{} matched twice",
                    pair.0, pair.1
                ));
            }
            covered.push(pair);
        }
    }
    errors
}

/// krew's `semver.Parse` after requiring the leading `v`: MAJOR.MINOR.PATCH with no leading
/// zeros, optional `-prerelease` and `+build`.
fn is_krew_semver(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let (rest, build) = match rest.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (rest, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numeric = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric(p))
        && pre.is_none_or(|p| p.split('.').all(ident))
        && build.is_none_or(|b| b.split('.').all(ident))
}

fn selector_matches(selector: &Value, os: &str, arch: &str) -> bool {
    let value_of = |key: &str| match key {
        "os" => Some(os),
        "arch" => Some(arch),
        _ => None,
    };
    if let Some(labels) = selector.get("matchLabels").and_then(Value::as_object) {
        for (key, want) in labels {
            if value_of(key) != want.as_str() {
                return false;
            }
        }
    }
    if let Some(expressions) = selector.get("matchExpressions").and_then(Value::as_array) {
        for e in expressions {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let have = value_of(key);
            let ok = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

fn manifest_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/plugin.yaml");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn manifest() -> Value {
    serde_saphyr::from_str(&manifest_text()).unwrap_or_else(|e| panic!("plugin.yaml: {e}"))
}

#[test]
fn manifest_passes_krew_index_validation() {
    let errors = validate(INDEX_FILE, &manifest_text());
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn manifest_covers_the_promised_platforms_once_each() {
    let manifest = manifest();
    let platforms = manifest["spec"]["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut covered = BTreeSet::new();
    for platform in &platforms {
        for (os, arch) in SUPPORTED {
            if selector_matches(&platform["selector"], os, arch) {
                covered.insert((os.to_string(), arch.to_string()));
            }
        }
    }
    let promised: BTreeSet<(String, String)> = PROMISED
        .iter()
        .map(|(o, a)| (o.to_string(), a.to_string()))
        .collect();
    assert_eq!(covered, promised);
}

#[test]
fn every_platform_extracts_the_license_and_the_right_binary() {
    assert!(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/LICENSE")).is_file());
    let manifest = manifest();
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        manifest["spec"]["version"],
        version.as_str(),
        "manifest and Cargo.toml disagree"
    );
    for platform in manifest["spec"]["platforms"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let files = platform["files"].as_array().cloned().unwrap_or_default();
        let froms: Vec<String> = files
            .iter()
            .filter_map(|f| f["from"].as_str())
            .map(str::to_lowercase)
            .collect();
        assert!(
            froms.iter().any(|f| LICENSE_NAMES.contains(&f.as_str())),
            "no license extracted: {platform}"
        );
        let os = platform["selector"]["matchLabels"]["os"]
            .as_str()
            .unwrap_or("");
        let bin = platform["bin"].as_str().unwrap_or("");
        let uri = platform["uri"].as_str().unwrap_or("");
        if os == "windows" {
            assert!(bin.ends_with("kubectl-qaenv.exe"), "{bin}");
            assert!(uri.ends_with(".zip"), "{uri}");
        } else {
            assert_eq!(bin, "./kubectl-qaenv");
            assert!(uri.ends_with(".tar.gz"), "{uri}");
        }
        assert!(
            uri.contains(&format!("/{version}/")),
            "{uri} must name {version}"
        );
        let extracted: Vec<&str> = files.iter().filter_map(|f| f["from"].as_str()).collect();
        assert!(
            extracted.iter().any(|f| bin.ends_with(f)),
            "bin {bin} is not extracted"
        );
    }
}

/// The validator must catch what krew-index rejects, or the test above proves nothing.
#[test]
fn validator_rejects_broken_manifests() {
    let good = manifest_text();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "plugin.yaml",
            good.clone(),
            "plugin should be named \"plugin\"",
        ),
        ("qaenv.yml", good.clone(), "extension must be .yaml"),
        (
            INDEX_FILE,
            good.replace("version: v0.1.0", "version: 0.1.0"),
            "strict semver",
        ),
        (
            INDEX_FILE,
            good.replace("version: v0.1.0", "version: v0.1"),
            "strict semver",
        ),
        (
            INDEX_FILE,
            good.replacen(&"0".repeat(64), &"A".repeat(64), 1),
            "sha256",
        ),
        (
            INDEX_FILE,
            good.replacen("        arch: arm64\n", "        arch: amd64\n", 1),
            "overlapping selectors",
        ),
        (
            INDEX_FILE,
            good.replacen(
                "        os: linux\n",
                "        os: linux\n        distro: debian\n",
                1,
            ),
            "not os/arch",
        ),
        (
            INDEX_FILE,
            good.replacen("        os: linux\n", "        os: plan9\n", 1),
            "matches no supported",
        ),
        (
            INDEX_FILE,
            good.replace("kind: Plugin", "kind: Plugins"),
            "kind must be Plugin",
        ),
        (
            INDEX_FILE,
            good.replace(
                "shortDescription: Per-branch QA environments on a shared cluster",
                "shortDescription: \"two\\nlines\"",
            ),
            "shortDescription",
        ),
        (
            INDEX_FILE,
            good.replacen("      to: .\n", "      to: \"\"\n", 1),
            "from and to",
        ),
    ];
    for (file, text, expected) in cases {
        let errors = validate(file, &text);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{file}: expected an error containing {expected:?}, got {errors:#?}"
        );
    }
    assert!(
        validate("con.yaml", &good.replace("name: qaenv", "name: con"))
            .iter()
            .any(|e| e.contains("reserved Windows name"))
    );
}

#[test]
fn semver_rules() {
    for ok in ["v0.1.0", "v1.2.3-rc.1", "v1.0.0+build.5", "v10.20.30"] {
        assert!(is_krew_semver(ok), "{ok}");
    }
    for bad in ["0.1.0", "v1.2", "v01.2.3", "v1.2.3.4", "v1.2.x", "v"] {
        assert!(!is_krew_semver(bad), "{bad}");
    }
}
