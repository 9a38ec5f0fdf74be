//! The one "ask again until it holds or the deadline passes" of promctl's operations. Watches are
//! used where Kubernetes can be watched (cluster::wait); this is for HTTP APIs that cannot be.

use std::time::Duration;

use tokio::time::Instant;

/// How a poll ended: the answer it waited for, or the last state seen when the deadline passed.
#[derive(Debug, PartialEq)]
pub enum Polled<T, W> {
    Done(T),
    TimedOut(W),
}

/// Calls `attempt` every `every` until it returns `Ok(Ok(T))`. `Ok(Err(W))` means "not yet" with
/// what was seen (kept for the timeout); `Err` stops at once. The attempt always runs at least once,
/// and once more at the deadline when the wait would pass it.
pub async fn until<T, W>(
    deadline: Instant,
    every: Duration,
    mut attempt: impl AsyncFnMut() -> anyhow::Result<Result<T, W>>,
) -> anyhow::Result<Polled<T, W>> {
    loop {
        match attempt().await? {
            Ok(done) => return Ok(Polled::Done(done)),
            Err(last) => {
                let now = Instant::now();
                if now >= deadline {
                    return Ok(Polled::TimedOut(last));
                }
                tokio::time::sleep(every.min(deadline - now)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn it_returns_the_answer_once_it_holds() {
        let mut calls = 0;
        let got = until(Instant::now() + Duration::from_secs(10), Duration::from_secs(1), async || {
            calls += 1;
            Ok(if calls == 3 { Ok(calls) } else { Err(calls) })
        })
        .await
        .unwrap();
        assert_eq!(got, Polled::Done(3));
    }

    #[tokio::test(start_paused = true)]
    async fn at_the_deadline_it_gives_the_last_state_seen() {
        let mut calls = 0;
        let got: Polled<(), u32> =
            until(Instant::now() + Duration::from_millis(2500), Duration::from_secs(1), async || {
                calls += 1;
                Ok(Err(calls))
            })
            .await
            .unwrap();
        // At 0, 1 s, 2 s and once more at the deadline (2.5 s).
        assert_eq!(got, Polled::TimedOut(4));
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_stops_at_once() {
        let got: anyhow::Result<Polled<(), ()>> =
            until(Instant::now() + Duration::from_secs(10), Duration::from_secs(1), async || anyhow::bail!("refused"))
                .await;
        assert_eq!(got.unwrap_err().to_string(), "refused");
    }
}
