//! The Rust DSL: build a [`Blueprint`] in code. Kinds, runtimes and access levels are types,
//! so a typo is a compile error; names are checked by the same validation as TOML.
//!
//! ```
//! use bulwark::blueprint::{Access, Blueprint, Ingress, KeyVault, Runtime, Storage, WebApp};
//!
//! let blueprint = Blueprint::builder("shop", ["dev", "prod"])
//!     .component(
//!         "web",
//!         WebApp::new(Runtime::Node22)
//!             .ingress(Ingress::Public)
//!             .uses("media.images", Access::Read)
//!             .uses("vault.stripe-key", Access::Read),
//!     )
//!     .component("media", Storage::new().containers(["images"]))
//!     .component("vault", KeyVault::new().secrets(["stripe-key"]))
//!     .build();
//! assert!(bulwark::blueprint::validate(&blueprint).is_empty());
//! ```

use super::model::*;
use std::collections::BTreeMap;

pub struct BlueprintBuilder {
    blueprint: Blueprint,
}

impl Blueprint {
    pub fn builder<E: Into<String>>(
        name: impl Into<String>,
        environments: impl IntoIterator<Item = E>,
    ) -> BlueprintBuilder {
        BlueprintBuilder {
            blueprint: Blueprint {
                app: App {
                    name: name.into(),
                    environments: environments.into_iter().map(Into::into).collect(),
                },
                network: Network::default(),
                components: Vec::new(),
            },
        }
    }
}

impl BlueprintBuilder {
    pub fn address_space(mut self, cidr: impl Into<String>) -> Self {
        self.blueprint.network.address_space = cidr.into();
        self
    }

    pub fn component(mut self, name: impl Into<String>, spec: impl Into<ComponentSpec>) -> Self {
        self.blueprint.components.push(Component {
            name: name.into(),
            spec: spec.into(),
        });
        self
    }

    pub fn build(self) -> Blueprint {
        self.blueprint
    }
}

impl From<WebApp> for ComponentSpec {
    fn from(value: WebApp) -> Self {
        ComponentSpec::WebApp(value)
    }
}

impl From<Storage> for ComponentSpec {
    fn from(value: Storage) -> Self {
        ComponentSpec::Storage(value)
    }
}

impl From<KeyVault> for ComponentSpec {
    fn from(value: KeyVault) -> Self {
        ComponentSpec::KeyVault(value)
    }
}

impl WebApp {
    pub fn new(runtime: Runtime) -> Self {
        WebApp {
            runtime,
            ingress: Ingress::default(),
            sku: WebApp::default_sku(),
            health_check_path: None,
            settings: BTreeMap::new(),
            uses: Vec::new(),
        }
    }

    pub fn ingress(mut self, ingress: Ingress) -> Self {
        self.ingress = ingress;
        self
    }

    pub fn sku(mut self, sku: impl Into<String>) -> Self {
        self.sku = sku.into();
        self
    }

    pub fn health_check_path(mut self, path: impl Into<String>) -> Self {
        self.health_check_path = Some(path.into());
        self
    }

    pub fn setting(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.insert(name.into(), value.into());
        self
    }

    /// Connect to `component` or `component.part` with an access level.
    pub fn uses(mut self, to: impl Into<Target>, access: Access) -> Self {
        self.uses.push(Connection::new(to, access));
        self
    }
}

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

impl Storage {
    pub fn new() -> Self {
        Storage {
            containers: Vec::new(),
            queues: Vec::new(),
            replication: Replication::default(),
        }
    }

    pub fn containers<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.containers.extend(names.into_iter().map(Into::into));
        self
    }

    pub fn queues<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.queues.extend(names.into_iter().map(Into::into));
        self
    }

    pub fn replication(mut self, replication: Replication) -> Self {
        self.replication = replication;
        self
    }
}

impl Default for KeyVault {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyVault {
    pub fn new() -> Self {
        KeyVault {
            secrets: Vec::new(),
        }
    }

    pub fn secrets<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.secrets.extend(names.into_iter().map(Into::into));
        self
    }
}
