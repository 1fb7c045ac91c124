//! What the registry itself holds under a namespace name, read from its
//! catalog: the answer `accounts::vacancy` needs before a name is given up
//! (and the erasing it may ask for, which `deletion` does).
//! The catalog is sorted, so the walk starts right after `NAMESPACE/` and
//! stops at the first name outside it.

use crate::accounts::vacancy::RegistryContent;
use crate::audit::Actor;
use crate::catalog::{Catalog, deletion};
use crate::db::entities::namespace;
use crate::error::Result;
use crate::registries::Registries;
use crate::registry::RegistryError;

/// Names read per catalog request.
const PAGE: u32 = 100;

/// Each namespace is asked about in its own registry.
impl RegistryContent for Registries {
    async fn erase_under(&self, actor: &Actor, ns: &namespace::Model) -> Result<Vec<String>> {
        self.holding_namespace(ns)
            .await?
            .catalog
            .erase_under(actor, ns)
            .await
    }

    async fn tagged_under(&self, ns: &namespace::Model) -> Result<Vec<String>> {
        let served = self.holding_namespace(ns).await?;
        served.catalog.tagged_under(ns).await.map_err(|e| match e {
            // Which registry, when there are several.
            crate::error::Error::Unavailable(_) if self.several() => {
                crate::error::Error::Unavailable(format!(
                    "Portunus cannot ask the registry {:?} ({}) whether it still holds images under {}/, so nothing was deleted; retry when it answers, or remove that registry if it is gone",
                    served.name, served.url, ns.name
                ))
            }
            other => other,
        })
    }
}

impl RegistryContent for Catalog {
    async fn erase_under(&self, actor: &Actor, ns: &namespace::Model) -> Result<Vec<String>> {
        deletion::erase_namespace(self, actor, ns).await
    }

    async fn tagged_under(&self, ns: &namespace::Model) -> Result<Vec<String>> {
        let prefix = format!("{}/", ns.name);
        let mut tagged = Vec::new();
        let mut last = prefix.clone();
        loop {
            let (names, more) = self.registry.catalog_page(Some(&last), PAGE).await?;
            let read = names.len();
            let inside: Vec<String> = names
                .into_iter()
                .take_while(|name| name.starts_with(&prefix))
                .collect();
            // Past the prefix, or at the end of the catalog.
            let done = more.is_none() || inside.len() < read || read == 0;
            for name in inside {
                match self.registry.tags(&name).await {
                    Ok(tags) if !tags.is_empty() => tagged.push(name.clone()),
                    Ok(_) | Err(RegistryError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
                last = name;
            }
            if done {
                return Ok(tagged);
            }
        }
    }
}
