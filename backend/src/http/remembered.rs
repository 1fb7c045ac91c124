//! A value worked out at most once per period and served from memory in
//! between, so that open endpoints (`/metrics`, `/ready`) cannot make
//! Portunus count the database or call every registry on each request.

use std::future::Future;
use std::time::{Duration, Instant};

/// The last value worked out and when.
pub struct Remembered<T>(tokio::sync::Mutex<Option<(Instant, T)>>);

impl<T> Default for Remembered<T> {
    fn default() -> Self {
        Remembered(tokio::sync::Mutex::new(None))
    }
}

impl<T: Clone> Remembered<T> {
    /// The value, worked out again by `work` when it is older than
    /// `max_age` at `now` (or there is none). The lock is held while
    /// `work` runs, so callers at once work it out once.
    pub async fn get<E, F, Fut>(&self, now: Instant, max_age: Duration, work: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut last = self.0.lock().await;
        if let Some((at, value)) = &*last
            && now.saturating_duration_since(*at) < max_age
        {
            return Ok(value.clone());
        }
        let value = work().await?;
        *last = Some((now, value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn worked_out_once_per_period() {
        let remembered = Remembered::<u32>::default();
        let start = Instant::now();
        let age = Duration::from_secs(5);
        let work = |n: u32| move || async move { Ok::<_, ()>(n) };
        assert_eq!(remembered.get(start, age, work(1)).await, Ok(1));
        let within = start + Duration::from_secs(4);
        assert_eq!(remembered.get(within, age, work(2)).await, Ok(1));
        let after = start + Duration::from_secs(5);
        assert_eq!(remembered.get(after, age, work(3)).await, Ok(3));
        assert_eq!(
            remembered
                .get(after + age, age, || async { Err::<u32, _>("failed") })
                .await,
            Err("failed"),
            "a failure is not remembered"
        );
        assert_eq!(remembered.get(after + age, age, work(4)).await, Ok(4));
    }
}
