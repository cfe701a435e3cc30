//! The agent side of the protocol, in process: handshake checks and refusals.
#![allow(clippy::unwrap_used)]

use stampede_cluster::frame::{read_message, write_message};
use stampede_cluster::protocol::{AgentSetup, FromAgent, ScenarioSource, ToAgent, WireRunConfig};
use stampede_cluster::{ClusterError, PROTOCOL_VERSION, agent_main};

fn replies(input: Vec<u8>) -> (Result<(), ClusterError>, Vec<FromAgent>) {
    let mut out = Vec::new();
    let result = agent_main(std::io::Cursor::new(input), &mut out);
    let mut r = &out[..];
    let mut messages = Vec::new();
    while let Some(m) = read_message::<FromAgent>(&mut r).unwrap() {
        messages.push(m);
    }
    (result, messages)
}

fn hello(protocol: u32) -> ToAgent {
    ToAgent::Hello {
        protocol,
        software: "test".into(),
    }
}

#[test]
fn another_version_is_refused_with_our_version_and_a_reason() {
    let mut input = Vec::new();
    write_message(&mut input, &hello(PROTOCOL_VERSION + 1)).unwrap();
    let (result, messages) = replies(input);
    assert!(matches!(
        result,
        Err(ClusterError::VersionMismatch { ours, theirs, .. })
            if ours == PROTOCOL_VERSION && theirs == PROTOCOL_VERSION + 1
    ));
    assert!(
        matches!(messages[0], FromAgent::Hello { protocol, .. } if protocol == PROTOCOL_VERSION)
    );
    match &messages[1] {
        FromAgent::Refused { reason } => {
            assert!(
                reason.contains(&format!("version {}", PROTOCOL_VERSION + 1)),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn anything_but_a_hello_first_is_refused() {
    let mut input = Vec::new();
    write_message(&mut input, &ToAgent::Start { at_unix_ns: 0 }).unwrap();
    let (result, messages) = replies(input);
    assert!(
        matches!(result, Err(ClusterError::Unexpected { .. })),
        "{result:?}"
    );
    assert!(
        matches!(&messages[..], [FromAgent::Refused { reason }] if reason.contains("expected a hello"))
    );
    // Garbage and an empty stream: errors, no panic.
    let (result, _) = replies(b"GET / HTTP/1.1\r\n\r\n".to_vec());
    assert!(matches!(result, Err(ClusterError::Frame(_))), "{result:?}");
    let (result, messages) = replies(Vec::new());
    assert!(
        matches!(result, Err(ClusterError::Unexpected { .. })),
        "{result:?}"
    );
    assert_eq!(messages.len(), 1);
}

#[test]
fn a_scenario_that_does_not_load_is_refused_with_its_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<tsung><load></tsung>").unwrap();
    let mut input = Vec::new();
    write_message(&mut input, &hello(PROTOCOL_VERSION)).unwrap();
    write_message(
        &mut input,
        &ToAgent::Setup(Box::new(AgentSetup {
            scenario: ScenarioSource::Path { path: bad },
            exclude_tags: vec![],
            run: WireRunConfig {
                workers: 1,
                seed: 1,
                interval_ns: 1_000_000_000,
                flush_ns: 100_000_000,
                target: None,
                tls_insecure: false,
                stop_grace_ns: 0,
                process: (0, 1),
                scenario_dir: dir.path().to_path_buf(),
                local_clients: false,
            },
        })),
    )
    .unwrap();
    let (result, messages) = replies(input);
    assert!(
        matches!(result, Err(ClusterError::Scenario(_))),
        "{result:?}"
    );
    assert!(matches!(messages[0], FromAgent::Hello { .. }));
    assert!(
        matches!(&messages[1], FromAgent::Refused { reason } if reason.contains("bad.xml")),
        "{:?}",
        messages[1]
    );
}
