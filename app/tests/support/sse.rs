//! Reading Server-Sent Events the way a browser's EventSource does.

use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;

pub type EventStream =
    std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// Sends the request and checks that an event stream answered.
pub async fn open(req: reqwest::RequestBuilder) -> EventStream {
    let resp = req.send().await.expect("connect");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    Box::pin(resp.bytes_stream())
}

/// Reads the stream until an event named `name` arrives; returns its data.
pub async fn next_event(resp: &mut EventStream, name: &str, within: Duration) -> Value {
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let chunk = tokio::time::timeout_at(deadline, resp.next())
            .await
            .unwrap_or_else(|_| panic!("no `{name}` event within {within:?}; got: {buffer}"));
        let chunk = chunk.expect("stream open").expect("chunk");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let event = block
                .lines()
                .find_map(|l| l.strip_prefix("event:"))
                .map(str::trim);
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(str::trim);
            if event == Some(name) {
                return serde_json::from_str(data.unwrap_or("null")).expect("json data");
            }
        }
    }
}
