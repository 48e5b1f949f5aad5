//! kube-rs (5.0) against the simulator: typed CRUD, the four patch types, optimistic
//! concurrency, and a watcher that survives a forced 410 by re-listing.

use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;
use serde_json::json;

use crate::common::sim;

async fn client(sim: &kube_sim::Sim) -> kube::Client {
    let kubeconfig = Kubeconfig::read_from(sim.kubeconfig_path()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": "probe"}},
        "data": {"a": "1"},
    }))
    .unwrap()
}

#[tokio::test]
async fn typed_crud_and_every_patch_type() {
    let s = sim();
    let c = client(&s).await;
    assert_eq!(c.apiserver_version().await.unwrap().minor, "33");
    let api: Api<ConfigMap> = Api::default_namespaced(c);

    let created = api.create(&PostParams::default(), &cm("c1")).await.unwrap();
    let rv = created.metadata.resource_version.clone().unwrap();
    let again = api
        .create(&PostParams::default(), &cm("c1"))
        .await
        .unwrap_err();
    match again {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (409, "AlreadyExists")),
        other => panic!("{other}"),
    }
    assert!(api.get_opt("nope").await.unwrap().is_none());
    assert_eq!(api.get("c1").await.unwrap().data.unwrap()["a"], "1");

    let listed = api
        .list(&ListParams::default().labels("app=probe"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(listed.metadata.resource_version.is_some());

    let merged = api
        .patch(
            "c1",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"b": "2"}})),
        )
        .await
        .unwrap();
    let strategic = api
        .patch(
            "c1",
            &PatchParams::default(),
            &Patch::Strategic(json!({"data": {"c": "3"}})),
        )
        .await
        .unwrap();
    let jp: json_patch::Patch =
        serde_json::from_value(json!([{"op": "add", "path": "/data/d", "value": "4"}])).unwrap();
    let jsonp = api
        .patch("c1", &PatchParams::default(), &Patch::Json::<()>(jp))
        .await
        .unwrap();
    let applied = api
        .patch(
            "c1",
            &PatchParams::apply("probe").force(),
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}, "data": {"e": "5"}})),
        )
        .await
        .unwrap();
    assert_eq!(merged.data.as_ref().unwrap()["b"], "2");
    assert_eq!(strategic.data.as_ref().unwrap()["c"], "3");
    assert_eq!(jsonp.data.as_ref().unwrap()["d"], "4");
    let data = applied.data.unwrap();
    assert_eq!((data["a"].as_str(), data["e"].as_str()), ("1", "5"));
    let rvs: Vec<u64> = [&merged, &strategic, &jsonp]
        .iter()
        .map(|o| {
            o.metadata
                .resource_version
                .as_deref()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(rvs.windows(2).all(|w| w[0] < w[1]), "{rvs:?}");

    let mut stale = created.clone();
    stale.metadata.resource_version = Some(rv);
    stale.data = Some([("x".to_string(), "y".to_string())].into());
    match api
        .replace("c1", &PostParams::default(), &stale)
        .await
        .unwrap_err()
    {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (409, "Conflict")),
        other => panic!("{other}"),
    }
    let mut fresh = api.get("c1").await.unwrap();
    fresh.data = Some([("x".to_string(), "y".to_string())].into());
    let replaced = api
        .replace("c1", &PostParams::default(), &fresh)
        .await
        .unwrap();
    assert_eq!(replaced.data.unwrap().len(), 1);

    let deleted = api.delete("c1", &DeleteParams::default()).await.unwrap();
    assert!(
        deleted.is_right(),
        "a ConfigMap delete answers with a Status"
    );
    assert!(api.get_opt("c1").await.unwrap().is_none());
}

#[tokio::test]
async fn server_side_apply_of_a_deployment_rolls_out() {
    let s = sim();
    let c = client(&s).await;
    let api: Api<Deployment> = Api::default_namespaced(c);
    let d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}},
    });
    api.patch("web", &PatchParams::apply("probe"), &Patch::Apply(&d))
        .await
        .unwrap();
    let ready =
        kube::runtime::wait::await_condition(api.clone(), "web", |d: Option<&Deployment>| {
            d.and_then(|d| d.status.as_ref())
                .is_some_and(|s| s.available_replicas == Some(2))
        });
    tokio::time::timeout(Duration::from_secs(30), ready)
        .await
        .expect("available within 30 s")
        .unwrap();
    let mut conflicting = d.clone();
    conflicting["spec"]["replicas"] = json!(5);
    let err = api
        .patch(
            "web",
            &PatchParams::apply("other"),
            &Patch::Apply(&conflicting),
        )
        .await
        .unwrap_err();
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 409);
            assert!(s.message.contains(".spec.replicas"), "{}", s.message);
        }
        other => panic!("{other}"),
    }
}

/// The next item of a stream, within 20 s.
async fn next<S: futures_util::Stream + Unpin>(stream: &mut S) -> S::Item {
    tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("a watcher event within 20 s")
        .expect("the stream continues")
}

#[tokio::test]
async fn watcher_relists_after_a_forced_410() {
    let s = sim();
    let c = client(&s).await;
    let api: Api<ConfigMap> = Api::default_namespaced(c.clone());
    api.create(&PostParams::default(), &cm("w1")).await.unwrap();
    let mut stream = watcher(api.clone(), watcher::Config::default()).boxed();
    let mut inits = 0;
    loop {
        match next(&mut stream).await {
            Ok(watcher::Event::InitDone) => break,
            Ok(watcher::Event::Init) => inits += 1,
            _ => {}
        }
    }
    api.create(&PostParams::default(), &cm("w2")).await.unwrap();
    loop {
        if let Ok(watcher::Event::Apply(o)) = next(&mut stream).await {
            if o.metadata.name.as_deref() == Some("w2") {
                break;
            }
        }
    }
    // Move the cluster on with a write the ConfigMap watch does not see, then compact: the
    // re-established watch asks for a resourceVersion that is gone and must re-list.
    let other: Api<k8s_openapi::api::core::v1::Secret> = Api::default_namespaced(c);
    other
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "s"}})).unwrap(),
        )
        .await
        .unwrap();
    s.clear_requests();
    s.compact();
    let mut saw_error = false;
    loop {
        match next(&mut stream).await {
            Err(_) => saw_error = true,
            Ok(watcher::Event::Init) => inits += 1,
            Ok(watcher::Event::InitDone) => break,
            _ => {}
        }
    }
    assert!(saw_error, "the 410 surfaces as a watcher error");
    assert_eq!(inits, 2, "one initial list and one re-list");
    let relists = s
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces/default/configmaps" && !r.is_watch())
        .count();
    assert_eq!(relists, 1, "{:?}", s.requests());
}

#[tokio::test]
async fn injected_faults_are_status_errors_with_retry_after() {
    let s = kube_sim::Sim::start(kube_sim::SimConfig {
        fail_rate: 1.0,
        fail_codes: vec![429],
        ..kube_sim::SimConfig::fast()
    })
    .unwrap();
    let kubeconfig = Kubeconfig::read_from(s.kubeconfig_path()).unwrap();
    let mut config =
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .unwrap();
    // kube 5 retries 429/503/504 on its own; see the raw answer.
    config.default_retry = false;
    let c = kube::Client::try_from(config).unwrap();
    let req = http::Request::get("/api/v1/namespaces/default/configmaps")
        .body(Vec::new())
        .unwrap();
    let resp = c.send(req.map(kube::client::Body::from)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");
    let api: Api<ConfigMap> = Api::default_namespaced(c);
    match api.list(&ListParams::default()).await.unwrap_err() {
        kube::Error::Api(st) => assert_eq!((st.code, st.reason.as_str()), (429, "TooManyRequests")),
        other => panic!("{other}"),
    }
    assert!(s.requests().iter().all(|r| r.status == 429));
}

#[tokio::test]
async fn kube_rs_retries_injected_unavailability() {
    let s = kube_sim::Sim::start(kube_sim::SimConfig {
        fail_rate: 0.3,
        fail_codes: vec![503],
        seed: 7,
        ..kube_sim::SimConfig::fast()
    })
    .unwrap();
    let api: Api<ConfigMap> = Api::default_namespaced(client(&s).await);
    for _ in 0..6 {
        api.list(&ListParams::default())
            .await
            .expect("retried until it succeeds");
    }
    let statuses: Vec<u16> = s.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        6,
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&503),
        "the seed injects at least one failure: {statuses:?}"
    );
}
