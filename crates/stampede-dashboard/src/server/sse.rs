//! `/api/events`: server-sent events. The stream starts with the current `status`, then
//! sends `status` on every change (coalesced), `point` for each closed interval, `log` for
//! each log line, `report` when a new live report is ready, and `resync` when this client
//! fell too far behind and must reload the series and logs. It ends when the dashboard shuts
//! down.

use crate::hub::{Hub, Push};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

struct Subscriber {
    hub: Arc<Hub>,
    changes: watch::Receiver<u64>,
    events: broadcast::Receiver<Push>,
    shutdown: watch::Receiver<bool>,
    first: bool,
}

fn status(hub: &Hub) -> Event {
    Event::default().event("status").data(&*hub.status_json())
}

impl Subscriber {
    async fn next(&mut self) -> Option<Event> {
        if self.first {
            self.first = false;
            self.changes.mark_unchanged();
            return Some(status(&self.hub));
        }
        if *self.shutdown.borrow() {
            return None;
        }
        tokio::select! {
            biased;
            _ = self.shutdown.wait_for(|s| *s) => None,
            event = self.events.recv() => match event {
                Ok(push) => Some(Event::default().event(push.event).data(&*push.data)),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    Some(Event::default().event("resync").data("{}"))
                }
                Err(broadcast::error::RecvError::Closed) => None,
            },
            changed = self.changes.changed() => match changed {
                Ok(()) => {
                    self.changes.mark_unchanged();
                    Some(status(&self.hub))
                }
                Err(_) => None,
            },
        }
    }
}

pub(crate) async fn events(
    State(hub): State<Arc<Hub>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let subscriber = Subscriber {
        changes: hub.subscribe_changes(),
        events: hub.subscribe_events(),
        shutdown: hub.shutdown.subscribe(),
        hub,
        first: true,
    };
    let stream = futures_util::stream::unfold(subscriber, |mut s| async move {
        let event = s.next().await?;
        Some((Ok(event), s))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
