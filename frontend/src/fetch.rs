//! Data a page fetches from the API, loaded in the background and shown
//! when it arrives. A [`Fetch<T>`] is a typed handle on one untyped Leptos
//! `LocalResource`, so the reactive machinery behind it is compiled once
//! instead of once per page's fetch (this keeps the WebAssembly small).

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;

use crate::api::ApiError;

type Erased = Result<Rc<dyn Any>, ApiError>;
type ErasedFuture = Pin<Box<dyn Future<Output = Erased>>>;

/// What `fetch` answers, fetched again whenever a signal it reads changes.
pub struct Fetch<T> {
    resource: LocalResource<Erased>,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for Fetch<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Fetch<T> {}

impl<T: Clone + 'static> Fetch<T> {
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        let erased = move || -> ErasedFuture {
            let answer = fetch();
            Box::pin(async move { answer.await.map(|value| Rc::new(value) as Rc<dyn Any>) })
        };
        Fetch {
            resource: untyped(Box::new(erased)),
            value: PhantomData,
        }
    }

    /// The answer once it is there (tracked, so a view showing it updates).
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.resource.get().map(|answer| {
            answer.and_then(|value| {
                value.downcast_ref::<T>().cloned().ok_or_else(|| ApiError {
                    status: 0,
                    message: "the page misread its data; please reload".to_owned(),
                })
            })
        })
    }

    /// Fetches again (after a change the page made).
    pub fn refetch(&self) {
        self.resource.refetch();
    }
}

/// The one `LocalResource` instantiation every [`Fetch`] shares.
fn untyped(fetch: Box<dyn Fn() -> ErasedFuture>) -> LocalResource<Erased> {
    LocalResource::new(fetch)
}
