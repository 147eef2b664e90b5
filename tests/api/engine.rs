//! The engine at the edge of its protocol, driven in-process through typed
//! frames instead of a socket: what it does with a connection that never
//! says which call it is.

use crate::support::TestApp;
use callwright::server::engine;
use callwright::server::telephony::relay::{CallError, Inbound, Outbound, Setup};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};

type Frames = mpsc::UnboundedSender<Result<Inbound, CallError>>;

/// Runs the engine on channels: frames go in through the returned sender;
/// what it says comes out of the returned receiver.
fn connect(
    app: &TestApp,
    session: uuid::Uuid,
) -> (Frames, mpsc::UnboundedReceiver<Outbound>, tokio::task::JoinHandle<Result<(), CallError>>) {
    let (frames_tx, frames_rx) = mpsc::unbounded::<Result<Inbound, CallError>>();
    let (said_tx, said_rx) = mpsc::unbounded::<Outbound>();
    let sink = said_tx.sink_map_err(|e| CallError::Socket(e.to_string()));
    let call = tokio::spawn(engine::run(app.state().clone(), session, frames_rx, sink));
    (frames_tx, said_rx, call)
}

#[tokio::test]
async fn a_connection_without_a_call_is_refused_and_nothing_is_said() {
    let app = TestApp::spawn().await;

    // Hung up before saying which call: an ordinary end.
    let (frames, mut said, call) = connect(&app, uuid::Uuid::new_v4());
    drop(frames);
    assert!(matches!(call.await.unwrap(), Err(CallError::HungUp)));
    assert_eq!(said.next().await, None);

    // Frames before `setup` are not a call; `setup` without our parameter is refused.
    let (mut frames, mut said, call) = connect(&app, uuid::Uuid::new_v4());
    frames.send(Ok(Inbound::Prompt { voice_prompt: "Hello?".into(), lang: None, last: true })).await.unwrap();
    frames.send(Ok(Inbound::Unknown)).await.unwrap();
    frames.send(Ok(Inbound::Setup(Setup { call_sid: "CA1".into(), ..Setup::default() }))).await.unwrap();
    assert!(matches!(call.await.unwrap(), Err(CallError::Socket(reason)) if reason.contains("session_id")));
    assert_eq!(said.next().await, None);

    // A setup naming another call than the connection was opened for.
    let (mut frames, mut said, call) = connect(&app, uuid::Uuid::new_v4());
    let mut setup = Setup::default();
    setup.custom_parameters.insert("session_id".into(), uuid::Uuid::new_v4().to_string());
    frames.send(Ok(Inbound::Setup(setup))).await.unwrap();
    assert!(matches!(call.await.unwrap(), Err(CallError::Socket(reason)) if reason.contains("another call")));
    assert_eq!(said.next().await, None);

    // A session id that names no call.
    let nobody = uuid::Uuid::new_v4();
    let (mut frames, mut said, call) = connect(&app, nobody);
    let mut setup = Setup::default();
    setup.custom_parameters.insert("session_id".into(), nobody.to_string());
    frames.send(Ok(Inbound::Setup(setup))).await.unwrap();
    match call.await.unwrap() {
        Err(CallError::Store(e)) => assert_eq!(e.code.http_status(), 404, "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(said.next().await, None);
    app.stop().await;
}
