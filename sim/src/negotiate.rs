//! Content negotiation: which representation the client asked for in `Accept`, and what the
//! request body is in `Content-Type`.

use crate::status::ApiError;

/// The aggregated discovery media type kubectl 1.32 and kube-rs `run_aggregated` ask for.
pub const AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
pub const AGGREGATED_V2BETA1: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
pub const TABLE_V1: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";
pub const TABLE_V1BETA1: &str = "application/json;as=Table;v=v1beta1;g=meta.k8s.io";

/// A representation of API objects the server can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Json,
    Table { v1beta1: bool },
    PartialObjectMetadata { v1beta1: bool },
}

impl Output {
    pub fn content_type(self) -> &'static str {
        match self {
            Output::Json => "application/json",
            Output::Table { v1beta1: false } => TABLE_V1,
            Output::Table { v1beta1: true } => TABLE_V1BETA1,
            Output::PartialObjectMetadata { v1beta1: false } => {
                "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
            }
            Output::PartialObjectMetadata { v1beta1: true } => {
                "application/json;as=PartialObjectMetadata;v=v1beta1;g=meta.k8s.io"
            }
        }
    }
}

/// One media range of an Accept header.
#[derive(Debug)]
struct MediaRange<'a> {
    mime: &'a str,
    params: Vec<(&'a str, &'a str)>,
    q: f32,
}

impl<'a> MediaRange<'a> {
    fn param(&self, key: &str) -> Option<&'a str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }

    fn is_json(&self) -> bool {
        matches!(self.mime, "application/json" | "application/*" | "*/*")
    }
}

fn parse_accept(accept: &str) -> Vec<MediaRange<'_>> {
    let mut ranges: Vec<MediaRange> = accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';').map(str::trim);
            let mime = pieces.next().filter(|m| !m.is_empty())?;
            let mut params = Vec::new();
            let mut q = 1.0;
            for p in pieces {
                if let Some((k, v)) = p.split_once('=') {
                    let (k, v) = (k.trim(), v.trim().trim_matches('"'));
                    if k == "q" {
                        q = v.parse().unwrap_or(1.0);
                    } else {
                        params.push((k, v));
                    }
                }
            }
            Some(MediaRange { mime, params, q })
        })
        .collect();
    // Stable: equal weights keep the client's order.
    ranges.sort_by(|a, b| b.q.partial_cmp(&a.q).unwrap_or(std::cmp::Ordering::Equal));
    ranges
}

/// The representation for a read of API objects.
pub fn output(accept: Option<&str>) -> Result<Output, ApiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(Output::Json);
    };
    for range in parse_accept(accept) {
        if !range.is_json() {
            continue; // protobuf, yaml and the like: fall through to the next choice
        }
        let group_ok = range.param("g").is_none_or(|g| g == "meta.k8s.io");
        let v1beta1 = range.param("v") == Some("v1beta1");
        match range.param("as") {
            None => return Ok(Output::Json),
            Some("Table") if group_ok => return Ok(Output::Table { v1beta1 }),
            Some("PartialObjectMetadata" | "PartialObjectMetadataList") if group_ok => {
                return Ok(Output::PartialObjectMetadata { v1beta1 })
            }
            Some(_) => continue,
        }
    }
    Err(ApiError::not_acceptable(accept))
}

/// For `/api` and `/apis`: the aggregated discovery content type the client accepts, if any.
pub fn aggregated_discovery(accept: Option<&str>) -> Option<&'static str> {
    let accept = accept?;
    for range in parse_accept(accept) {
        if range.mime != "application/json" {
            continue;
        }
        if range.param("as") == Some("APIGroupDiscoveryList")
            && range.param("g") == Some("apidiscovery.k8s.io")
        {
            match range.param("v") {
                Some("v2") => return Some(AGGREGATED_V2),
                Some("v2beta1") => return Some(AGGREGATED_V2BETA1),
                _ => continue,
            }
        }
        // Plain JSON preferred over aggregated discovery.
        range.param("as")?;
    }
    None
}

/// What a request body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyType {
    Json,
    Yaml,
    Protobuf,
    JsonPatch,
    MergePatch,
    StrategicMergePatch,
    ApplyPatch,
}

/// Classifies a `Content-Type`; `None` for anything the server does not take.
pub fn body_type(content_type: Option<&str>) -> Option<BodyType> {
    let ct = content_type.unwrap_or("application/json");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(match mime.as_str() {
        "" | "application/json" => BodyType::Json,
        "application/yaml" | "application/x-yaml" | "text/yaml" => BodyType::Yaml,
        "application/vnd.kubernetes.protobuf" => BodyType::Protobuf,
        "application/json-patch+json" => BodyType::JsonPatch,
        "application/merge-patch+json" => BodyType::MergePatch,
        "application/strategic-merge-patch+json" => BodyType::StrategicMergePatch,
        "application/apply-patch+yaml" | "application/apply-patch+cbor" => BodyType::ApplyPatch,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_get_asks_for_a_table() {
        let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(output(Some(accept)), Ok(Output::Table { v1beta1: false }));
    }

    #[test]
    fn protobuf_first_falls_back_to_json() {
        assert_eq!(
            output(Some("application/vnd.kubernetes.protobuf, */*")),
            Ok(Output::Json)
        );
        assert_eq!(
            output(Some("application/vnd.kubernetes.protobuf,application/json")),
            Ok(Output::Json)
        );
        assert_eq!(output(None), Ok(Output::Json));
    }

    #[test]
    fn protobuf_only_is_not_acceptable() {
        let e = output(Some("application/vnd.kubernetes.protobuf")).unwrap_err();
        assert_eq!(e.code, 406);
    }

    #[test]
    fn kube_rs_metadata_lists() {
        assert_eq!(
            output(Some(
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
            )),
            Ok(Output::PartialObjectMetadata { v1beta1: false })
        );
    }

    #[test]
    fn aggregated_discovery_is_detected() {
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(aggregated_discovery(Some(accept)), Some(AGGREGATED_V2));
        assert_eq!(aggregated_discovery(Some("application/json, */*")), None);
        assert_eq!(aggregated_discovery(None), None);
    }

    #[test]
    fn patch_content_types() {
        assert_eq!(
            body_type(Some("application/apply-patch+yaml")),
            Some(BodyType::ApplyPatch)
        );
        assert_eq!(
            body_type(Some("application/json; charset=utf-8")),
            Some(BodyType::Json)
        );
        assert_eq!(body_type(Some("text/plain")), None);
    }
}
