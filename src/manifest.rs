//! Manifest sources: files, directories, stdin and kustomizations, and their documents.
//!
//! [`read_stage`] is the I/O edge: it reads `-f` paths (a directory is walked recursively for
//! `*.yaml`, `*.yml` and `*.json`, in sorted path order), stdin (`-`) and `kubectl kustomize`
//! output into [`Source`] texts. [`parse_source`] (pure) splits a text into documents (YAML
//! `---` streams, JSON values, `List` kinds flattened) and checks each names a kind and an
//! object; any error names the file, the document number and the line, and happens before
//! anything is sent to the cluster.

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;

use crate::{
    config::StageSources,
    error::{Error, Result},
};

/// The text of one source, before variables are substituted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Where it came from, for messages: a path, `<stdin>` or `kustomize DIR`.
    pub origin: String,
    /// The text.
    pub text: String,
    /// Whether to parse it as JSON (`*.json` files) rather than YAML.
    pub json: bool,
}

/// One object read from a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The source's origin.
    pub origin: String,
    /// 1-based number of the document in its source.
    pub index: usize,
    /// The object.
    pub object: Value,
}

impl Document {
    /// `deploy/web.yaml document 2`, for messages.
    pub fn location(&self) -> String {
        format!("{} document {}", self.origin, self.index)
    }
}

/// Reads every source of a stage. `stdin` is read at most once; naming `-` twice is an error.
pub fn read_stage(stage: &StageSources, stdin: &mut dyn Read) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    let mut stdin_used = false;
    for path in &stage.paths {
        if path.as_os_str() == "-" {
            if stdin_used {
                return Err(Error::new(
                    "cannot read stdin twice",
                    "`-f -` is given more than once",
                ));
            }
            stdin_used = true;
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| Error::io("cannot read manifests from stdin", e))?;
            sources.push(Source {
                origin: "<stdin>".into(),
                text,
                json: false,
            });
            continue;
        }
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        if meta.is_dir() {
            let files = manifest_files(path)?;
            if files.is_empty() {
                return Err(Error::new(
                    format!("no manifests in {}", path.display()),
                    "the directory holds no *.yaml, *.yml or *.json file",
                ));
            }
            for file in files {
                sources.push(read_file(&file)?);
            }
        } else {
            sources.push(read_file(path)?);
        }
    }
    if let Some(dir) = &stage.kustomize {
        sources.push(kustomize(dir)?);
    }
    Ok(sources)
}

fn read_file(path: &Path) -> Result<Source> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    Ok(Source {
        origin: path.display().to_string(),
        json: has_extension(path, &["json"]),
        text,
    })
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The manifest files under `dir`, recursively, sorted by path.
pub fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| Error::io(format!("cannot read directory {}", current.display()), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| {
                Error::io(format!("cannot read directory {}", current.display()), e)
            })?;
            let path = entry.path();
            let file_type = std::fs::metadata(&path)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            if file_type.is_dir() {
                pending.push(path);
            } else if has_extension(&path, &["yaml", "yml", "json"]) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Renders a kustomization with `kubectl kustomize DIR` (kubectl's built-in kustomize).
pub fn kustomize(dir: &Path) -> Result<Source> {
    let what = format!("cannot render kustomization {}", dir.display());
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .map_err(|e| {
            Error::io(what.clone(), e)
                .with_hint("-k runs `kubectl kustomize`; install kubectl 1.14 or newer")
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let cause = stderr.trim().trim_start_matches("error: ").to_string();
        return Err(Error::new(what, cause));
    }
    Ok(Source {
        origin: format!("kustomize {}", dir.display()),
        text: String::from_utf8_lossy(&output.stdout).into_owned(),
        json: false,
    })
}

/// Splits a source into its objects.
pub fn parse_source(source: &Source) -> Result<Vec<Document>> {
    let raw = if source.json {
        json_documents(source)?
    } else {
        yaml_documents(source)?
    };
    let mut out = Vec::new();
    for (index, line, value) in raw {
        flatten(source, index, line, value, &mut out)?;
    }
    Ok(out)
}

fn invalid(
    source: &Source,
    index: usize,
    line: Option<usize>,
    cause: impl std::fmt::Display,
) -> Error {
    let place = match line {
        Some(line) => format!("document {index} (line {line})"),
        None => format!("document {index}"),
    };
    Error::new(
        format!("invalid manifest {}: {place}", source.origin),
        cause,
    )
}

/// (document number, first line, value) of each YAML document.
fn yaml_documents(source: &Source) -> Result<Vec<(usize, usize, Value)>> {
    let mut out = Vec::new();
    let mut index = 0;
    for (start_line, text) in split_yaml(&source.text) {
        if !has_content(&text) {
            continue;
        }
        index += 1;
        let value: Value = serde_saphyr::from_str(&text).map_err(|e| {
            let line = e
                .location()
                .map(|l| start_line + l.line() as usize - 1)
                .unwrap_or(start_line);
            let cause = e.to_string();
            let cause = cause.lines().next().unwrap_or_default().to_string();
            invalid(source, index, Some(line), cause)
        })?;
        if !value.is_null() {
            out.push((index, start_line, value));
        }
    }
    Ok(out)
}

/// Splits a YAML stream at `---` (and `...`) lines; returns each part with its first line
/// number (1-based).
fn split_yaml(text: &str) -> Vec<(usize, String)> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut start = 1;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        let is_start = trimmed == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        let is_end = trimmed == "...";
        if is_start || is_end {
            parts.push((start, std::mem::take(&mut current)));
            start = n + 1;
            if is_start && trimmed.len() > 3 {
                // `--- {inline: document}` keeps its content on the marker line.
                current.push_str(&line[4..]);
                current.push('\n');
            } else {
                start = n + 2;
            }
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    parts.push((start, current));
    parts
}

fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#') && !t.starts_with('%')
    })
}

fn json_documents(source: &Source) -> Result<Vec<(usize, usize, Value)>> {
    let mut out = Vec::new();
    let stream = serde_json::Deserializer::from_str(&source.text).into_iter::<Value>();
    let mut index = 0;
    let mut stream = stream;
    loop {
        let offset = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(value)) => {
                index += 1;
                let line = source.text[..offset].matches('\n').count() + 1;
                out.push((index, line, value));
            }
            Some(Err(e)) => {
                return Err(invalid(source, index + 1, Some(e.line()), e));
            }
        }
    }
    Ok(out)
}

fn flatten(
    source: &Source,
    index: usize,
    line: usize,
    value: Value,
    out: &mut Vec<Document>,
) -> Result<()> {
    let Value::Object(map) = &value else {
        return Err(invalid(
            source,
            index,
            Some(line),
            "not an object (a mapping with apiVersion, kind and metadata)",
        ));
    };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or_default();
    if kind.ends_with("List") {
        if let Some(Value::Array(items)) = map.get("items") {
            for item in items.clone() {
                flatten(source, index, line, item, out)?;
            }
            return Ok(());
        }
    }
    check_object(&value).map_err(|cause| invalid(source, index, Some(line), cause))?;
    out.push(Document {
        origin: source.origin.clone(),
        index,
        object: value,
    });
    Ok(())
}

/// Checks the fields `up` relies on: apiVersion, kind, metadata.name.
fn check_object(value: &Value) -> std::result::Result<(), String> {
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let kind = text(value.get("kind")).ok_or("no kind")?;
    if text(value.get("apiVersion")).is_none() {
        return Err(format!("{kind} has no apiVersion"));
    }
    if text(value.pointer("/metadata/name")).is_none() {
        let hint = if value.pointer("/metadata/generateName").is_some() {
            " (generateName is not supported: up must find the object again to update it)"
        } else {
            ""
        };
        return Err(format!("{kind} has no metadata.name{hint}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Source {
        Source {
            origin: "app.yaml".into(),
            text: text.into(),
            json: false,
        }
    }

    #[test]
    fn splits_multi_document_yaml() {
        let docs = parse_source(&yaml(
            "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n...\n",
        ))
        .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].object["metadata"]["name"], "a");
        assert_eq!(docs[0].index, 1);
        assert_eq!(docs[1].index, 2);
        assert_eq!(docs[1].location(), "app.yaml document 2");
    }

    #[test]
    fn flattens_lists() {
        let docs = parse_source(&yaml(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n",
        ))
        .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].object["metadata"]["name"], "b");
    }

    #[test]
    fn reads_json_streams() {
        let source = Source {
            origin: "a.json".into(),
            text: r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}
{"apiVersion":"v1","kind":"ConfigMapList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}]}"#
                .into(),
            json: true,
        };
        let docs = parse_source(&source).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].index, 2);
        let bad = Source {
            text: "{\"kind\": }".into(),
            ..source
        };
        let err = parse_source(&bad).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid manifest a.json: document 1 (line 1)"),
            "{err}"
        );
    }

    #[test]
    fn malformed_yaml_names_file_document_and_line() {
        let err = parse_source(&yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
        ))
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("invalid manifest app.yaml: document 2 (line"),
            "{text}"
        );
        assert_eq!(err.report().lines().count(), 1, "{}", err.report());
    }

    #[test]
    fn objects_need_kind_api_version_and_name() {
        let err =
            parse_source(&yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")).unwrap_err();
        assert!(
            err.to_string().contains("ConfigMap has no metadata.name"),
            "{err}"
        );
        let err = parse_source(&yaml(
            "apiVersion: v1\nkind: Pod\nmetadata: {generateName: x-}\n",
        ))
        .unwrap_err();
        assert!(
            err.to_string().contains("generateName is not supported"),
            "{err}"
        );
        let err = parse_source(&yaml("kind: Pod\nmetadata: {name: x}\n")).unwrap_err();
        assert!(err.to_string().contains("Pod has no apiVersion"), "{err}");
        let err = parse_source(&yaml("- a\n- b\n")).unwrap_err();
        assert!(err.to_string().contains("not an object"), "{err}");
    }

    #[test]
    fn walks_directories_sorted_and_reads_stdin_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        for (name, kind) in [
            ("b/c/z.yml", "Service"),
            ("a.yaml", "ConfigMap"),
            ("b/x.json", "Secret"),
        ] {
            let text = format!(
                "{{\"apiVersion\":\"v1\",\"kind\":\"{kind}\",\"metadata\":{{\"name\":\"n\"}}}}"
            );
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::write(dir.path().join("README.md"), "not a manifest").unwrap();
        let stage = StageSources {
            name: "main".into(),
            paths: vec![dir.path().to_path_buf(), PathBuf::from("-")],
            kustomize: None,
        };
        let mut stdin: &[u8] = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";
        let sources = read_stage(&stage, &mut stdin).unwrap();
        let origins: Vec<String> = sources
            .iter()
            .map(|s| {
                s.origin
                    .strip_prefix(&dir.path().display().to_string())
                    .unwrap_or(&s.origin)
                    .to_string()
            })
            .collect();
        assert_eq!(
            origins,
            vec!["/a.yaml", "/b/c/z.yml", "/b/x.json", "<stdin>"]
        );
        assert!(sources[2].json);

        let twice = StageSources {
            paths: vec![PathBuf::from("-"), PathBuf::from("-")],
            ..stage
        };
        let mut stdin: &[u8] = b"";
        assert!(read_stage(&twice, &mut stdin).is_err());
    }
}
